// The operator-mode keys of a config file, read as nats-server 2.9.10 reads
// them (opts.go processConfigFileLine: operator, resolver, resolver_preload,
// resolver_pinned_accounts, trusted): what `-t` can tell from the file
// itself. The checks nats-server makes when it starts are in
// config-trust.ts.
//
//   operator: ./op.jwt                 # a JWT file (maybe decorated), or an inline "eyJ..." JWT
//   resolver: MEMORY                   # or URL("http://host/jwt/v1/accounts/"), or { type: full, dir: ... }
//   resolver_preload { ACSU...: "eyJ..." }
//   trusted: [ OD2K... ]               # operator keys, instead of an operator JWT

import { readFileSync, statSync } from "node:fs";
import { Field, isMap } from "../config/field.ts";
import { goTypeName } from "../config/gotype.ts";
import { formatGoDuration, parseGoDuration } from "../config/duration.ts";
import { posOf } from "../config/meta.ts";
import type { ConfMap, ServerOptions } from "../config/types.ts";
import { parseDecoratedJWT } from "../jwt/creds.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import { isValidPublicKey } from "./nkeys.ts";
import type { ResolverOption, TrustOptions } from "./types.ts";

/** Every encoded JWT starts with this (the base64 of `{"`). */
const JWT_PREFIX = "eyJ";
const MEM_RESOLVER = /(MEM|MEMORY)\s*/i;
const URL_RESOLVER = /(?:URL){1}(?:\({1}\s*"?([^\s"]*)"?\s*\){1})?\s*/i;
const BAD_RESOLVER =
  'error parsing account resolver, should be MEM or  URL("url") or a map containing dir and type state=[FULL|CACHE])';

function trust(o: ServerOptions): TrustOptions {
  return (o.trust ??= { operators: [], trustedKeys: null, resolver: null, preload: null, pinned: null });
}

/** Go's os.ReadFile error text. */
function readError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT":
      return `open ${path}: no such file or directory`;
    case "EACCES":
      return `open ${path}: permission denied`;
    case "EISDIR":
      return `read ${path}: is a directory`;
    default:
      return `open ${path}: ${e.message}`;
  }
}

/** readOperatorJWT: a file (decorated or not), or the JWT itself when no such file exists. */
function readOperator(value: string): { jwt: string; claims: TrustOptions["operators"][number]["claims"] } {
  let contents: string;
  try {
    contents = readFileSync(value, "utf8");
  } catch (e) {
    if (!value.startsWith(JWT_PREFIX)) throw new JwtError(readError(value, e as NodeJS.ErrnoException));
    contents = value;
  }
  const jwt = parseDecoratedJWT(contents);
  return { jwt, claims: decodeClaims(jwt, "operator") };
}

function operator(f: Field, o: ServerOptions): void {
  const t = trust(o);
  t.operators = [];
  // A list is refused by 2.9.10 too: its config parser hands it over as []interface {}.
  if (typeof f.value !== "string") {
    f.error(`error parsing operators: unsupported type ${Array.isArray(f.value) ? "[]interface {}" : goTypeName(f.value)}`);
    return;
  }
  try {
    t.operators.push(readOperator(f.value));
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    f.error(`error parsing operator JWT: ${e.message}`);
  }
}

function resolver(f: Field, o: ServerOptions): void {
  const t = trust(o);
  t.resolver = null;
  const v = f.value;
  if (typeof v === "string") {
    if (MEM_RESOLVER.test(v)) {
      t.resolver = { type: "memory" };
    } else {
      const m = URL_RESOLVER.exec(v);
      if (m !== null) t.resolver = { type: "url", url: (m[1] ?? "").trim() };
    }
  } else if (isMap(v)) {
    const r = dirResolver(f, v);
    if (r === undefined) return;
    t.resolver = r;
  } else {
    f.error(`error parsing operator resolver, wrong type ${goTypeName(v)}`);
    return;
  }
  if (t.resolver === null) f.error(BAD_RESOLVER);
}

/** `{ type: full|cache, dir, ... }`. undefined = an error was recorded; null = no resolver type. */
function dirResolver(f: Field, m: ConfMap): ResolverOption | null | undefined {
  const get = (k: string): unknown => (Object.hasOwn(m, k) ? m[k] : undefined);
  const dir = get("dir");
  const type = get("type");
  if (dir !== undefined && typeof dir !== "string") return f.mismatch("string");
  if (type !== undefined && typeof type !== "string") return f.mismatch("string");
  const allowDelete = get("allow_delete");
  const limit = get("limit");
  if (allowDelete !== undefined && typeof allowDelete !== "boolean") return f.mismatch("bool");
  if (limit !== undefined && typeof limit !== "number") return f.mismatch("int64");
  let timeoutMs = 0;
  let ttlMs = 0;
  let intervalMs = 0;
  try {
    for (const k of ["ttl", "interval", "timeout"]) {
      const d = get(k);
      if (d === undefined) continue;
      if (typeof d !== "string") return f.mismatch("string");
      const ms = parseGoDuration(d);
      if (k === "timeout") {
        if (ms <= 0) return f.error(`Fetch timeout ${formatGoDuration(ms)} is too smal`);
        timeoutMs = ms;
      }
      if (k === "ttl") ttlMs = ms;
      if (k === "interval") intervalMs = ms;
    }
  } catch (e) {
    return f.error((e as Error).message);
  }
  if (!dir) return f.error("dir has no value and needs to point to a directory");
  // An existing path must be a directory its owner may enter (nats-server checks the mode's owner x bit).
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st !== undefined && (!st.isDirectory() || (st.mode & 0o100) === 0)) return f.error("dir needs to point to an accessible directory");
  const common = { dir, allowDelete: allowDelete === true, limit: limit ?? 0, timeoutMs, ttlMs, intervalMs };
  const kind = (type ?? "").toUpperCase();
  if (kind === "CACHE") {
    // nats-server objects to a non-zero value only.
    if (intervalMs !== 0) f.error("CACHE does not accept sync");
    if (allowDelete === true) f.error("CACHE does not accept allow_delete");
    return { type: "cache", ...common };
  }
  if (kind === "FULL") {
    if (ttlMs !== 0) f.error("FULL does not accept ttl");
    return { type: "full", ...common };
  }
  return null;
}

function preload(f: Field, o: ServerOptions): void {
  const m = f.value;
  if (!isMap(m)) {
    f.error("preload should be a map of account_public_key:account_jwt");
    return;
  }
  const jwts: Record<string, string> = {};
  for (const key of Object.keys(m)) {
    const v = m[key];
    if (typeof v !== "string") {
      f.errorAt(posOf(m, key), "preload map value should be a string JWT");
      continue;
    }
    try {
      decodeClaims(v, "account");
    } catch (e) {
      if (!(e instanceof JwtError)) throw e;
      f.errorAt(posOf(m, key), "invalid account JWT");
      continue;
    }
    jwts[key] = v;
  }
  trust(o).preload = jwts;
}

function pinned(f: Field, o: ServerOptions): void {
  const v = f.value;
  if (typeof v === "string") {
    trust(o).pinned = [v];
  } else if (Array.isArray(v)) {
    const keys: string[] = [];
    v.forEach((k, i) => {
      if (typeof k === "string") keys.push(k);
      else f.errorAt(posOf(v, i), `error parsing resolver_pinned_accounts: unsupported type in array ${goTypeName(k)}`);
    });
    trust(o).pinned = keys;
  } else {
    f.error(`error parsing resolver_pinned_accounts: unsupported type ${goTypeName(v)}`);
  }
}

function trusted(f: Field, o: ServerOptions): void {
  const v = f.value;
  let keys: string[];
  let pos = f.pos;
  if (typeof v === "string") {
    keys = [v];
  } else if (Array.isArray(v)) {
    keys = [];
    v.forEach((k, i) => {
      // Later problems are reported where the last element was (Go's shared token).
      pos = posOf(v, i) ?? pos;
      if (typeof k === "string") keys.push(k);
      else f.errorAt(pos, `error parsing trusted: unsupported type in array ${goTypeName(k)}`);
    });
  } else {
    f.error(`error parsing trusted: unsupported type ${goTypeName(v)}`);
    return;
  }
  trust(o).trustedKeys = keys;
  for (const key of keys) {
    if (!isValidPublicKey(key, "O")) f.errorAt(pos, `trust key ${JSON.stringify(key)} required to be a valid public operator nkey`);
  }
}

/** Handlers for options.ts, by canonical key name. */
export const OPERATOR_KEYS: Record<string, (f: Field, o: ServerOptions) => void> = {
  operator,
  resolver,
  resolver_preload: preload,
  resolver_pinned_accounts: pinned,
  trusted,
};
