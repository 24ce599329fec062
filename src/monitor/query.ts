// Query parameters decoded as nats-server 2.9.10's monitor.go decodes them
// (decodeBool, decodeInt, decodeUint64, decodeState, decodeSubs): an empty
// or missing value is the zero value; a bad one is a 400 whose body is Go's
// strconv error in the reference's sentence.

/** A query value the endpoint cannot use: answered with HTTP 400 and this text. */
export class QueryError extends Error {}

/**
 * The query as Go's url.ParseQuery reads it for r.URL.Query(): pairs with a
 * `;` or a bad %-escape are dropped (so their parameter takes its default),
 * `+` is a space.
 */
export function goQuery(search: string): URLSearchParams {
  const q = new URLSearchParams();
  for (const pair of search.replace(/^\?/, "").split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = goUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = goUnescape(eq < 0 ? "" : pair.slice(eq + 1));
    if (key !== null && value !== null) q.append(key, value);
  }
  return q;
}

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder();

/** QueryUnescape, or null where Go's fails (a `%` not followed by two hex digits). */
function goUnescape(s: string): string | null {
  if (!s.includes("%")) return s.replaceAll("+", " ");
  const bytes: number[] = [];
  const raw = new TextEncoder().encode(s);
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25) {
      const hex = String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0);
      if (!HEX.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(b === 0x2b ? 0x20 : b);
  }
  return utf8.decode(new Uint8Array(bytes));
}

const SHORT_ESCAPES: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

/** Go's %q of a string (strconv.Quote): printable characters as they are (unicode.IsPrint), the rest escaped as Go escapes them. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function decodeBool(q: URLSearchParams, param: string): boolean {
  const s = q.get(param) ?? "";
  if (s === "") return false;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new QueryError(`Error decoding boolean for '${param}': strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

const INT_MAX = 2n ** 63n - 1n;
const INT_MIN = -(2n ** 63n);
const UINT_MAX = 2n ** 64n - 1n;

export function decodeInt(q: URLSearchParams, param: string): number {
  const s = q.get(param) ?? "";
  if (s === "") return 0;
  const fail = (why: string): never => {
    throw new QueryError(`Error decoding int for '${param}': strconv.Atoi: parsing ${goQuote(s)}: ${why}`);
  };
  if (!/^[+-]?\d+$/.test(s)) fail("invalid syntax");
  const v = BigInt(s);
  if (v > INT_MAX || v < INT_MIN) fail("value out of range");
  return Number(v);
}

export function decodeUint64(q: URLSearchParams, param: string): number {
  const s = q.get(param) ?? "";
  if (s === "") return 0;
  const fail = (why: string): never => {
    throw new QueryError(`Error decoding uint64 for '${param}': strconv.ParseUint: parsing ${goQuote(s)}: ${why}`);
  };
  if (!/^\d+$/.test(s)) fail("invalid syntax");
  if (BigInt(s) > UINT_MAX) fail("value out of range");
  return Number(s);
}

/** Which connections /connz lists. */
export type ConnState = "open" | "closed" | "all";

export function decodeState(q: URLSearchParams): ConnState {
  const s = q.get("state") ?? "";
  switch (s.toLowerCase()) {
    case "":
    case "open":
      return "open";
    case "closed":
      return "closed";
    case "any":
    case "all":
      return "all";
  }
  throw new QueryError(`Error decoding state for ${s}`);
}

/** `subs=detail` or a boolean `subs`. */
export function decodeSubs(q: URLSearchParams): { subs: boolean; detail: boolean } {
  const detail = (q.get("subs") ?? "").toLowerCase() === "detail";
  return { subs: detail ? false : decodeBool(q, "subs"), detail };
}
