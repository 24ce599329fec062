// Config failures are reported the way nats-server reports them: every
// problem on its own line as `file:line:col: reason`, all of them at once.

import type { ConfPos } from "./types.ts";

/**
 * Thrown by config loading/parsing; one entry per problem. Like nats-server,
 * the message lists warnings found alongside the errors first.
 */
export class ConfigError extends Error {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];

  constructor(errors: string[], warnings: string[] = []) {
    super([...warnings, ...errors].join("\n"));
    this.name = "ConfigError";
    this.errors = errors;
    this.warnings = warnings;
  }
}

/** `file:line:col: reason`, or the bare reason when the position is unknown. */
export function located(pos: ConfPos | undefined, reason: string): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}: ${reason}` : reason;
}
