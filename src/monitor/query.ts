// Query parameters decoded as nats-server 2.9.10's monitor.go decodes them
// (decodeBool, decodeInt, decodeUint64, decodeState, decodeSubs): an empty
// or missing value is the zero value; a bad one is a 400 whose body is Go's
// strconv error in the reference's sentence.

/** A query value the endpoint cannot use: answered with HTTP 400 and this text. */
export class QueryError extends Error {}

/** Go's %q of a string (ASCII printable as is, the rest escaped). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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
