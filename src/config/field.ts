// One top-level conf entry being mapped to options: typed reads that record
// nats-server-worded errors/warnings at the key's position instead of
// throwing, so every problem in a file is reported at once.

import { parseListen, type HostPort } from "./address.ts";
import { parseGoDuration } from "./duration.ts";
import { located } from "./errors.ts";
import { goTypeName } from "./gotype.ts";
import type { ConfMap, ConfPos, ConfValue } from "./types.ts";

export interface Problems {
  errors: string[];
  warnings: string[];
}

export class Field {
  constructor(
    /** The key as written in the file. */
    readonly key: string,
    readonly value: ConfValue,
    readonly pos: ConfPos | undefined,
    private readonly problems: Problems,
  ) {}

  error(reason: string): undefined {
    return this.errorAt(this.pos, reason);
  }

  /** An error about a value inside this entry, at that value's position. */
  errorAt(pos: ConfPos | undefined, reason: string): undefined {
    this.problems.errors.push(located(pos, reason));
    return undefined;
  }

  warn(field: string, reason: string): void {
    this.problems.warnings.push(located(this.pos, `invalid use of field "${field}": ${reason}`));
  }

  /** nats-server's wording when a Go type assertion fails. */
  mismatch(want: string): undefined {
    return this.error(`interface conversion: interface {} is ${goTypeName(this.value)}, not ${want}`);
  }

  int(): number | undefined {
    return isInt(this.value) ? this.value : this.mismatch("int64");
  }

  bool(): boolean | undefined {
    return typeof this.value === "boolean" ? this.value : this.mismatch("bool");
  }

  string(): string | undefined {
    return typeof this.value === "string" ? this.value : this.mismatch("string");
  }

  map(): ConfMap | undefined {
    return isMap(this.value) ? this.value : this.mismatch("map[string]interface {}");
  }

  /** A duration string; an integer is taken as seconds, with a warning. */
  duration(field: string): number | undefined {
    if (isInt(this.value)) {
      this.warn(field, `${field} should be converted to a duration`);
      return this.value * 1000;
    }
    return this.durationString(field);
  }

  /** A duration that must be written as a string (`"30s"`). */
  durationString(field: string): number | undefined {
    const text = this.string();
    if (text === undefined) return undefined;
    try {
      return parseGoDuration(text);
    } catch (e) {
      return this.error(`error parsing ${field}: ${(e as Error).message}`);
    }
  }

  listen(): HostPort | undefined {
    try {
      return parseListen(this.value);
    } catch (e) {
      return this.error((e as Error).message);
    }
  }
}

function isInt(v: ConfValue): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

export function isMap(v: ConfValue): v is ConfMap {
  return typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}
