// A request body decoded into an options struct as Go's json.Unmarshal does
// it for the system account's monitoring requests (events.go zReq): fields
// matched by JSON tag (case-insensitively when not exact), unknown ones and
// nulls ignored, and the first type mismatch reported in Go's words, e.g.
// `json: cannot unmarshal string into Go struct field
// ConnzEventOptions.limit of type int`.

import { goJSONKind, goJSONSyntaxError } from "../protocol/gojson.ts";

/** A field's Go type: its name as Go prints it and the JSON values it takes. */
export interface GoType {
  name: string;
  kind: "string" | "bool" | "int" | "uint" | "strings";
}

export const GO_STRING: GoType = { name: "string", kind: "string" };
export const GO_BOOL: GoType = { name: "bool", kind: "bool" };
export const GO_INT: GoType = { name: "int", kind: "int" };
export const GO_UINT64: GoType = { name: "uint64", kind: "uint" };
export const GO_STRINGS: GoType = { name: "[]string", kind: "strings" };

/** JSON tag -> Go type of an options struct's fields. */
export type GoFields = Readonly<Record<string, GoType>>;

/** A number as written, so integer fields judge the literal as Go's strconv does. */
class Literal {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

const INT_RE = /^-?\d+$/;
const INT_MAX = 2n ** 63n - 1n;
const UINT_MAX = 2n ** 64n - 1n;

/** The value for a field of type `t`, or the JSON kind Go names in its error ("number 1.5" for a literal that does not fit). */
function convert(v: unknown, t: GoType): { ok: unknown } | { bad: string } {
  switch (t.kind) {
    case "string":
      return typeof v === "string" ? { ok: v } : { bad: kindOf(v) };
    case "bool":
      return typeof v === "boolean" ? { ok: v } : { bad: kindOf(v) };
    case "int":
    case "uint": {
      if (!(v instanceof Literal)) return { bad: kindOf(v) };
      if (!INT_RE.test(v.text)) return { bad: `number ${v.text}` };
      const n = BigInt(v.text);
      const fits = t.kind === "int" ? n <= INT_MAX && n >= -INT_MAX - 1n : n >= 0n && n <= UINT_MAX && !v.text.startsWith("-");
      return fits ? { ok: Number(n) } : { bad: `number ${v.text}` };
    }
    case "strings": {
      if (!Array.isArray(v)) return { bad: kindOf(v) };
      const out: string[] = [];
      for (const x of v) {
        if (x === null) out.push("");
        else if (typeof x === "string") out.push(x);
        else return { bad: kindOf(x) };
      }
      return { ok: out };
    }
  }
}

function kindOf(v: unknown): string {
  return goJSONKind(v instanceof Literal ? v.value : v);
}

/**
 * The options in `body` (Go's `struct` type, `server.` added in errors), or
 * Go's error text. Fields absent or null are left out (the builders' zero values).
 */
export function decodeGoOptions(body: Uint8Array, struct: string, fields: GoFields): Record<string, unknown> | string {
  const syntax = goJSONSyntaxError(body);
  if (syntax !== null) return syntax;
  const v: unknown = JSON.parse(new TextDecoder().decode(body), (_k, x: unknown, ctx?: { source?: string }) =>
    typeof x === "number" ? new Literal(ctx?.source ?? String(x), x) : x,
  );
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v) || v instanceof Literal) return `json: cannot unmarshal ${kindOf(v)} into Go value of type server.${struct}`;
  const out: Record<string, unknown> = {};
  let error: string | null = null;
  for (const [key, x] of Object.entries(v)) {
    // Own keys only: `constructor` or `__proto__` in a body are unknown fields, not Object's.
    const tag = Object.hasOwn(fields, key) ? key : Object.keys(fields).find((f) => f.toLowerCase() === key.toLowerCase());
    if (tag === undefined || x === null) continue;
    const t = fields[tag]!;
    const r = convert(x, t);
    if ("ok" in r) out[tag] = r.ok;
    else if (error === null) {
      // A bad element of a slice is reported with the element type.
      const type = t.kind === "strings" && Array.isArray(x) ? "string" : t.name;
      error = `json: cannot unmarshal ${r.bad} into Go struct field ${struct}.${tag} of type ${type}`;
    }
  }
  return error ?? out;
}
