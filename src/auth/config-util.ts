// Shared machinery for building the auth configuration (config.ts): a problem
// collector that reads typed values out of parsed conf maps with
// nats-server's wording, and Go-style value formatting for the messages that
// embed a value (`%v`, `%q`, `%T`).
//
// nats-server's parse helpers turn a failed Go type assertion into a config
// error and abandon the helper they are in (a recovered panic). `Abort`
// models that: a typed read that fails records the error and throws Abort,
// and `recover` at the boundary of the corresponding helper swallows it.

import { located } from "../config/errors.ts";
import { Field, isMap, type Problems } from "../config/field.ts";
import { goTypeName } from "../config/gotype.ts";
import { isUsedAsVariable, posOf } from "../config/meta.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";

export { goTypeName, isMap, posOf };

/** A recovered "panic": the error is already recorded. */
export class Abort extends Error {
  constructor() {
    super("config helper abandoned");
  }
}

/** Runs a helper the way a Go helper with a recover runs: Abort -> null. */
export function recover<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Abort) return null;
    throw e;
  }
}

export type Container = ConfMap | ConfValue[];

export class Collector {
  readonly problems: Problems = { errors: [], warnings: [] };

  get errors(): string[] {
    return this.problems.errors;
  }
  get warnings(): string[] {
    return this.problems.warnings;
  }

  error(pos: ConfPos | undefined, reason: string): void {
    this.problems.errors.push(located(pos, reason));
  }

  /** nats-server's configWarningErr: `invalid use of field "x": reason`. */
  warn(pos: ConfPos | undefined, field: string, reason: string): void {
    this.problems.warnings.push(located(pos, `invalid use of field ${JSON.stringify(field)}: ${reason}`));
  }

  /** `unknown field "x"` unless the key was used as a `$variable`. */
  unknown(map: ConfMap, key: string, reason = `unknown field ${goQuote(key)}`): void {
    if (!isUsedAsVariable(map, key)) this.error(posOf(map, key), reason);
  }

  private field(c: Container, key: string | number): Field {
    const value = (c as Record<string | number, ConfValue>)[key]!;
    return new Field(String(key), value, posOf(c, key), this.problems);
  }

  /** `v.(string)`: records the interface-conversion error and aborts. */
  string(c: Container, key: string | number): string {
    const v = this.field(c, key).string();
    if (v === undefined) throw new Abort();
    return v;
  }

  int(c: Container, key: string | number): number {
    const v = this.field(c, key).int();
    if (v === undefined) throw new Abort();
    return v;
  }

  bool(c: Container, key: string | number): boolean {
    const v = this.field(c, key).bool();
    if (v === undefined) throw new Abort();
    return v;
  }

  map(c: Container, key: string | number): ConfMap {
    const v = this.field(c, key).map();
    if (v === undefined) throw new Abort();
    return v;
  }

  /** `v.([]interface{})`. */
  array(c: Container, key: string | number): ConfValue[] {
    const value = (c as Record<string | number, ConfValue>)[key]!;
    if (Array.isArray(value)) return value;
    this.field(c, key).mismatch("[]interface {}");
    throw new Abort();
  }
}

/** The keys of a conf map with their lower-cased names (option keys are case-insensitive). */
export function entries(map: ConfMap): Array<[key: string, lower: string, value: ConfValue]> {
  return Object.keys(map).map((k) => [k, k.toLowerCase(), map[k]!]);
}

// ---- Go formatting -------------------------------------------------------

/** strconv.Quote: double quotes, Go escapes, printable Unicode kept. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (ch === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

/** `%q` of any conf value (Go quotes integers as rune literals). */
export function goQuoteValue(v: ConfValue): string {
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0x10ffff) {
    const ch = String.fromCodePoint(v);
    const q = goQuote(ch);
    return `'${q.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(v)) return `[${v.map(goQuoteValue).join(" ")}]`;
  return `%!q(${goTypeName(v)}=${goValue(v)})`;
}

/** `[%q %q]` of a string list, as Go prints `%q` of a []string. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}

/** `%v` / `%+v` of a conf value. */
export function goValue(v: ConfValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  if (v instanceof Date) return goTime(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  const keys = Object.keys(v).sort();
  return `map[${keys.map((k) => `${k}:${goValue(v[k]!)}`).join(" ")}]`;
}

/** strconv.FormatFloat(f, 'g', -1, 64), which `%v` uses for float64. */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return "0";
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  // Shortest digits; exponent form when the exponent is < -4 or >= 6.
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(f);
}

/** time.Time's String(), for the odd datetime value in a message. */
function goTime(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

/** Go `%T` of a conf value. */
export function goType(v: ConfValue): string {
  return goTypeName(v);
}
