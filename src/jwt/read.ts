// Reading claim JSON the way Go's encoding/json fills the jwt library's
// structs: keys match exactly or else case-insensitively, `null` and absent
// keys leave the zero value, and a value of the wrong type fails the whole
// decode (so does a fractional number for an integer field).

export class JwtError extends Error {}

export type Json = Record<string, unknown>;

/** `obj[name]`, else the first key equal to it ignoring case (Go's rule). */
function field(obj: Json, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function mismatch(what: string, name: string, v: unknown): never {
  const got = Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "object" ? "object" : typeof v;
  throw new JwtError(`json: cannot unmarshal ${got} into Go struct field ${name} of type ${what}`);
}

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(obj: Json, name: string, dflt = ""): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "string") mismatch("string", name, v);
  return v;
}

export function int(obj: Json, name: string, dflt = 0): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v)) mismatch("int64", name, v);
  return v;
}

export function bool(obj: Json, name: string): boolean {
  const v = field(obj, name);
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") mismatch("bool", name, v);
  return v;
}

/** An object field; absent or null gives an empty object (its fields then take their zero values). */
export function obj(o: Json, name: string): Json {
  const v = field(o, name);
  if (v === undefined || v === null) return {};
  if (!isObject(v)) mismatch("struct", name, v);
  return v;
}

/** An object field that may be absent (a pointer in the Go struct). */
export function optObj(o: Json, name: string): Json | null {
  const v = field(o, name);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) mismatch("struct", name, v);
  return v;
}

export function list(o: Json, name: string): unknown[] {
  const v = field(o, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) mismatch("slice", name, v);
  return v;
}

/** A list that may be absent (null). */
export function optList(o: Json, name: string): unknown[] | null {
  const v = field(o, name);
  return v === undefined || v === null ? null : list(o, name);
}

export function strings(o: Json, name: string): string[] {
  return list(o, name).map((v) => {
    if (typeof v !== "string") mismatch("string", name, v);
    return v;
  });
}

/** A string list that may be absent (null), as Go tells a nil slice from an empty one. */
export function optStrings(o: Json, name: string): string[] | null {
  const v = field(o, name);
  return v === undefined || v === null ? null : strings(o, name);
}

/** A map of string -> unix seconds (revocation lists). */
export function times(o: Json, name: string): Record<string, number> {
  const m = optObj(o, name) ?? {};
  const out: Record<string, number> = {};
  for (const k of Object.keys(m)) out[k] = int(m, k);
  return out;
}

/** `"stream"` / `"service"`; any other string fails the decode, absent is "unknown" (null). */
export function exportKind(o: Json, name: string): "stream" | "service" | null {
  const v = field(o, name);
  if (v === undefined) return null;
  if (v === "stream" || v === "service") return v;
  if (v !== null && typeof v !== "string") mismatch("string", name, v);
  throw new JwtError(`unknown export type ${JSON.stringify(v ?? "")}`);
}

/** A list of CIDRs: a JSON array, or one comma-separated string (lowercased, trimmed, deduplicated). */
export function cidrs(o: Json, name: string): string[] | null {
  const v = field(o, name);
  if (typeof v === "string") {
    const out: string[] = [];
    for (const part of v.toLowerCase().split(",")) {
      const t = part.trim();
      if (t !== "" && !out.includes(t)) out.push(t);
    }
    return out;
  }
  return optStrings(o, name);
}
