// The command line: a thin layer over Server. Parses flags, loads the config
// file, applies flags over it, runs the server and wires signals to it.

import { basename } from "node:path";
import { FlagError, parseCommandLine, applyFlagOverrides, USAGE, type CommandLine } from "../config/flags.ts";
import { loadConfig } from "../config/options.ts";
import { ConfigError } from "../config/errors.ts";
import { defaultOptions, type ServerOptions } from "../config/types.ts";
import { Logger } from "../server/logger.ts";
import { MonitorStartError, Server, WebsocketStartError } from "../server/server.ts";
import { VERSION } from "../server/version.ts";
import { installSignalHandlers } from "./signals.ts";
import { buildAuthConfig } from "../auth/config.ts";
import { buildTLSConfig } from "../server/tls.ts";
import { SubjectMapper } from "../accounts/mappings.ts";
import { sendSignalCommand } from "./signal-command.ts";
import { parseWebsocketOptions } from "../websocket/options.ts";
import { parseLeafnodeOptions } from "../leafnode/options.ts";
import { parseClusterOptions } from "../route/options.ts";

/** The name errors are prefixed with (`nats-server: ...` for the reference). */
const PROG = basename(process.execPath) === "bun" ? "nats-bun" : basename(process.execPath);

/** Runs the CLI; resolves with the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let cmd: CommandLine;
  try {
    cmd = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`${PROG}: ${e.message}\n`);
    // Like Go's flag package: usage after a flag error, and exit 0 from usage.
    if (e.showUsage) {
      process.stdout.write(USAGE);
      return 0;
    }
    return 1;
  }

  switch (cmd.action) {
    case "version":
      process.stdout.write(`${PROG}: v${VERSION}\n`);
      return 0;
    case "help":
    case "help_tls":
      process.stdout.write(USAGE);
      return 0;
    case "signal":
      return sendSignalCommand(cmd.signal!, PROG);
    case "check":
      return checkConfig(cmd);
    case "run":
      return runServer(cmd);
  }
}

/** Options from the file (if any) with the command-line flags laid over them. */
export function buildOptions(cmd: CommandLine): { options: ServerOptions; warnings: string[] } {
  let options = defaultOptions();
  let warnings: string[] = [];
  if (cmd.configFile) ({ options, warnings } = loadConfig(cmd.configFile));
  applyFlagOverrides(options, cmd);
  options.sublistImpl = sublistImplFromEnv();
  return { options, warnings };
}

/** NATS_BUN_SUBLIST=ts|native|auto picks the subject trie (for comparisons). */
function sublistImplFromEnv(): ServerOptions["sublistImpl"] {
  const v = process.env.NATS_BUN_SUBLIST;
  return v === "ts" || v === "native" ? v : "auto";
}

function checkConfig(cmd: CommandLine): number {
  try {
    // Like 2.9.10, -t checks the file alone: flags are not applied.
    const { options, warnings, digest } = loadConfig(cmd.configFile!);
    // The blocks other subsystems own are checked too (users, accounts, TLS files).
    const built = buildAuthConfig(options, { checkOnly: true });
    warnings.push(...built.warnings);
    for (const def of built.auth.accounts.values()) SubjectMapper.compile(def.mappings, def.name);
    buildTLSConfig(options.tls);
    parseWebsocketOptions(options);
    parseLeafnodeOptions(options, warnings);
    parseClusterOptions(options, warnings);
    for (const w of warnings) process.stderr.write(`${PROG}: ${w}\n`);
    // Like the reference, -t fails on warnings about a field (file:line:col),
    // not on the note that a file is empty.
    if (warnings.some((w) => /:\d+:\d+: /.test(w))) return 1;
    process.stderr.write(`${PROG}: configuration file ${cmd.configFile} is valid (${digest})\n`);
    return 0;
  } catch (e) {
    return configFailure(e);
  }
}

function configFailure(e: unknown): number {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`${PROG}: ${e.message}\n`);
  return 1;
}

async function runServer(cmd: CommandLine): Promise<number> {
  let options: ServerOptions;
  let warnings: string[];
  try {
    ({ options, warnings } = buildOptions(cmd));
  } catch (e) {
    return configFailure(e);
  }
  for (const w of warnings) process.stderr.write(`${PROG}: ${w}\n`);

  const logger = new Logger(options);
  let server: Server;
  try {
    server = new Server(options, logger);
  } catch (e) {
    if (e instanceof ConfigError) return configFailure(e);
    // Anything else that stops the start (e.g. NATS_BUN_SUBLIST=native without the library).
    logger.fatal((e as Error).message);
    return 1;
  }
  try {
    await server.prepare();
  } catch (e) {
    return configFailure(e);
  }
  // Before the listener: a signal sent as soon as the port answers (or the
  // "Listening" line shows) must find its handler, not the default action.
  installSignalHandlers(server, { reload: () => reload(server, cmd) });
  try {
    server.start();
  } catch (e) {
    if (e instanceof MonitorStartError) logger.fatal(`Can't start monitoring: ${e.message}`);
    else if (e instanceof WebsocketStartError) logger.fatal(`Unable to listen for websocket connections: ${e.message}`);
    else logger.fatal(`Error listening on port: ${options.host}:${options.port}, "${(e as Error).message}"`);
    return 1;
  }
  await server.closed;
  logger.close();
  return 0;
}

/** SIGHUP: re-read the file, re-apply the flags, apply what may change. */
function reload(server: Server, cmd: CommandLine): void {
  try {
    if (!cmd.configFile) throw new Error("can only reload config when a file is provided using -c or --config");
    server.reload(buildOptions(cmd).options);
  } catch (e) {
    server.logger.error(`Failed to reload server configuration: ${(e as Error).message}`);
  }
}
