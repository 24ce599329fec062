// The system account services of the full and cache directory resolvers, as
// nats-server 2.9.10's DirAccResolver.Start and CacheDirAccResolver.Start
// serve them (accounts.go), so that `nsc push` to any server works; every
// server of a cluster gets the requests over the routes and answers:
// - `$SYS.REQ.CLAIMS.UPDATE`, `$SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE` and the
//   old `$SYS.ACCOUNT.<key>.CLAIMS.UPDATE`: a valid account JWT is stored
//   (a cache stores only accounts the server has loaded) and applied to the
//   loaded account;
// - `$SYS.REQ.ACCOUNT.<key>.CLAIMS.LOOKUP` (full only): the stored JWT;
// - `$SYS.REQ.CLAIMS.PACK` (full only, queue group "responder": one server
//   answers another's sync, dir-sync.ts): every stored JWT;
// - `$SYS.REQ.CLAIMS.LIST`: the stored account keys;
// - `$SYS.REQ.CLAIMS.DELETE` (dir-delete.ts).
// Replies are nats-server's JSON (claim-updates.ts respondToUpdate).

import type { JwtAccountHost } from "../accounts/jwt-account.ts";
import type { DirResolver } from "../auth/dir-resolver.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import type { AccountClaims } from "../jwt/types.ts";
import { nowSeconds, validateAccount } from "../jwt/validate.ts";
import { goQuote } from "../protocol/text.ts";
import { respondToUpdate } from "./claim-updates.ts";
import { deleteAccounts } from "./dir-delete.ts";
import { dirLookup, SysReplies } from "./dir-lookup.ts";
import { startDirSync, storeChanged } from "./dir-sync.ts";
import type { SysMessage, SystemClient } from "./system.ts";

const UPDATE_SUBJECTS = ["$SYS.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"];

/** The services, for a server whose resolver is a directory one. */
export function serveDirClaims(sys: SystemClient, host: JwtAccountHost, resolver: DirResolver): void {
  const replies = new SysReplies(sys);
  resolver.lookup = dirLookup(replies);
  // The resolver the server started with serves, even after a reload made
  // another one (as in nats-server, whose subscriptions keep their resolver).
  const on = (subject: string, handler: (r: DirResolver, m: SysMessage) => void, queue: string | null = null): void => {
    sys.subscribe(subject, (m) => handler(resolver, m), queue);
  };
  for (const subject of UPDATE_SUBJECTS) on(subject, (r, m) => update(sys, host, r, m, keyOf(m.subject)));
  on("$SYS.REQ.CLAIMS.UPDATE", (r, m) => update(sys, host, r, m, null));
  if (resolver.type === "full") {
    on("$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP", (r, m) => lookup(sys, host, r, m));
    on("$SYS.REQ.CLAIMS.PACK", (r, m) => pack(sys, host, r, m), "responder");
    startDirSync(replies, host, resolver);
  }
  on("$SYS.REQ.CLAIMS.LIST", (r, m) => list(sys, host, r, m));
  on("$SYS.REQ.CLAIMS.DELETE", (r, m) => deleteAccounts(sys, host, r, m));
  const which = resolver.type === "full" ? "all" : "some";
  host.logger.notice(`Managing ${which} jwt in exclusive directory ${resolver.store.dir}`);
}

/** The account key of an update subject; undefined for a subject of another length. */
function keyOf(subject: string): string | undefined {
  const tokens = subject.split(".");
  return tokens.length === 6 ? tokens[3] : tokens.length === 5 ? tokens[2] : undefined;
}

const utf8 = new TextDecoder();

/** The operator key that may not sign accounts itself (strict signing key usage), if any. */
function strictOperator(host: JwtAccountHost): string | null {
  const op = host.auth.trust?.operators[0];
  return op !== undefined && op.nats.strict_signing_key_usage ? op.sub : null;
}

/** `key` null: the subject names no account ($SYS.REQ.CLAIMS.UPDATE). */
function update(sys: SystemClient, host: JwtAccountHost, r: DirResolver, m: SysMessage, key: string | null | undefined): void {
  const cache = r.type === "cache";
  const log = host.logger;
  if (key === undefined) {
    log.debug(`jwt update${cache ? " cache" : ""} skipped due to bad subject ${goQuote(m.subject)}`);
    return;
  }
  const failed = cache ? "jwt update cache resulted in error" : "jwt update resulted in error";
  const respond = (account: string, message: string, error?: string): void =>
    respondToUpdate(sys, log, m.reply, account, message, error);
  const jwt = utf8.decode(m.payload);
  let claims: AccountClaims;
  try {
    claims = decodeClaims(jwt, "account");
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    // The cache names the subject's account; the others do not know it.
    return respond(cache && key !== null ? key : "n/a", failed, e.message);
  }
  const name = key ?? claims.sub;
  const invalid = (): string | null => {
    const errors = validateAccount(claims).list.filter((i) => i.blocking);
    return errors.length === 0 ? null : `validation errors: [${errors.map((i) => i.text).join(" ")}]`;
  };
  const strict = claims.iss === strictOperator(host);
  // nats-server checks in this order, which differs between the subjects and the types.
  const checks: (() => boolean)[] = [];
  const validation = (): boolean => {
    const v = invalid();
    if (v !== null) respond(claims.sub, cache ? "jwt update cache validation failed" : "jwt validation failed", v);
    return v !== null;
  };
  const subject = (): boolean => {
    if (claims.sub !== name) respond(name, failed, "subject does not match jwt content");
    return claims.sub !== name;
  };
  const signer = (): boolean => {
    if (strict) respond(name, failed, "operator requires issuer to be a signing key");
    return strict;
  };
  const loaded = (): boolean => {
    if (!host.accounts.has(name)) respond(name, "jwt update cache skipped");
    return !host.accounts.has(name);
  };
  if (cache) checks.push(...(key !== null ? [subject] : []), signer, loaded, validation);
  else if (key !== null) checks.push(validation, subject, signer);
  else checks.push(signer, validation);
  if (checks.some((refused) => refused())) return;
  const saved = r.store.save(name, jwt);
  if (typeof saved === "string") return respond(name, failed, saved);
  if (saved) storeChanged(host, name, jwt);
  respond(name, cache ? "jwt updated cache" : "jwt updated");
}

function lookup(sys: SystemClient, host: JwtAccountHost, r: DirResolver, m: SysMessage): void {
  if (m.reply === "") return;
  const tokens = m.subject.split(".");
  if (tokens.length !== 6) return;
  const found = r.store.load(tokens[3]!);
  if (found.ok) sys.publish(m.reply, "", found.jwt);
  else host.logger.error(`Merging resulted in error: ${found.error}`);
}

/**
 * The whole store, one `key|jwt` message per account and an empty one to
 * end, unless the requester's hash (the payload) shows it has it all already.
 */
function pack(sys: SystemClient, host: JwtAccountHost, r: DirResolver, m: SysMessage): void {
  if (m.reply === "") return;
  const ours = r.store.hash();
  const hex = Buffer.from(ours).toString("hex");
  if (Buffer.from(ours).equals(Buffer.from(m.payload))) {
    sys.publish(m.reply, "", "");
    host.logger.debug(`pack request matches hash ${hex}`);
    return;
  }
  const now = nowSeconds();
  for (const [key, jwt] of r.store.entries()) if (!expiredJwt(jwt, now)) sys.publish(m.reply, "", `${key}|${jwt}`);
  host.logger.debug(`pack request hash ${Buffer.from(m.payload).toString("hex")} - finished responding with hash ${hex}`);
  sys.publish(m.reply, "", "");
}

function list(sys: SystemClient, host: JwtAccountHost, r: DirResolver, m: SysMessage): void {
  if (m.reply === "") return;
  const now = nowSeconds();
  const keys = r.store
    .entries()
    .filter(([, jwt]) => !expiredJwt(jwt, now))
    .map(([key]) => key);
  host.logger.debug(`list request responded with ${keys.length} account ids`);
  sys.publish(m.reply, "", `{"data":${JSON.stringify(keys)},"server":${JSON.stringify(sys.serverInfo())}}`);
}

/** nats-server leaves JWTs that decode and have expired out of a list. */
function expiredJwt(jwt: string, now: number): boolean {
  try {
    const c = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    return typeof c.exp === "number" && c.exp > 0 && c.exp < now;
  } catch {
    return false;
  }
}
