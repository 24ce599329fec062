// Accounts in operator mode: named by their public key and created on first
// use from their account JWT, as nats-server 2.9.10 does (server.go
// fetchAccount, accounts.go updateAccountClaimsWithRefresh): limits,
// signing keys, revocations, default permissions and mappings from the
// claims; exports, then imports checked against the exporters' exports
// (activation tokens for `token_req` ones), which loads the exporters too.
// Imports are then wired by the same machinery as configured accounts
// (imports.ts), from AccountDefs built here, on first use (jwt-lookup.ts)
// and on updates (jwt-update.ts).

import type { Logger } from "../server/logger.ts";
import type { AccountDef, AuthConfig, ExportDef, ImportDef, Permissions, ResponseType, Trust } from "../auth/types.ts";
import { fetchAccount, type JwtSource } from "../auth/jwt-fetch.ts";
import { permissionsFromJwt } from "../auth/jwt-permissions.ts";
import { DEFAULT_RESPONSE_THRESHOLD_MS, newAccountDef } from "../auth/config-accounts.ts";
import { serviceCycle, streamCycle, type AccountDefs } from "../auth/config-imports.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import type { AccountClaims, Export, Import, UserScope } from "../jwt/types.ts";
import { nowSeconds, validateActivation } from "../jwt/validate.ts";
import { isValidSubject, subjectHasWildcard, subjectIsSubsetMatch } from "../sublist/subject.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { Account } from "./account.ts";
import { wireImports, type AccountLookup } from "./imports.ts";
import { SubjectMapper } from "./mappings.ts";
import { systemAccountName, withSystemImports } from "./system-imports.ts";
import type { ConfMap } from "../config/types.ts";

/** What an account learnt from its JWT. */
export interface JwtAccountState {
  claims: AccountClaims;
  /** The JWT itself (an update with the very same one changes nothing). */
  jwt: string;
  /** When these claims were applied (Date.now()): an expired account is fetched again at most once a second. */
  updatedAt: number;
  /** Keys that may sign its users, with the scope each imposes (null: none). */
  signers: Map<string, UserScope | null>;
  /** For users whose JWT sets no permissions. */
  defaultPermissions: Permissions | null;
  /** limits.subs and limits.payload, folded into each user's (0 = unlimited, -1 = none). */
  maxSubs: number;
  maxPayload: number;
  /** Exports and imports in the form imports.ts wires. */
  def: AccountDef;
  /** The JWT expired since it was loaded (its clients were closed). */
  expired: boolean;
  /** Some import could not be added (2.9.10's incomplete: /accountz's complete is false). */
  incomplete: boolean;
  /** Fires when the JWT expires. */
  expiry: ReturnType<typeof setTimeout> | null;
}

export interface JwtAccountHost extends AccountLookup {
  readonly auth: AuthConfig;
  readonly logger: Logger;
}

/** A JWT limit as the server keeps it: -1 unlimited; any other value, 0 included, a real limit (0 and below: nothing). */
export function jwtLimit(n: number): number {
  const v = Number(BigInt.asIntN(32, BigInt(n)));
  if (v === -1) return 0;
  return v <= 0 ? -1 : v;
}

/** Every account's imports, configured, from JWTs and of the system account's services, wired afresh. */
export function rewire(host: JwtAccountHost): void {
  const defs = [...host.auth.accounts.values()];
  for (const a of host.accounts.values()) {
    if (!a.jwt) continue;
    // Imports from an account dropped by a reload are left out: wiring would bring it back, empty.
    const imports = a.jwt.def.imports;
    const live = imports.filter((i) => host.accounts.get(i.account)?.jwt);
    defs.push(live.length === imports.length ? a.jwt.def : { ...a.jwt.def, imports: live });
  }
  wireImports(host, withSystemImports(defs, systemAccountName(host.auth)));
}

/** Loads an account from its JWT (the caller rewires); a string says why it cannot be. */
export function loadJwtAccount(host: JwtAccountHost, trust: Trust, name: string, source: JwtSource): Account | string {
  const fetched = fetchAccount(trust, name, source);
  if (!fetched.ok) {
    if (fetched.fetchFailed) host.logger.warn(`Account fetch failed: ${fetched.error}`);
    return fetched.error;
  }
  const account = host.accountFor(name);
  applyClaims(host, trust, account, fetched, source);
  return account;
}

/**
 * Sets an account up from checked claims, on first use or on an update:
 * limits, mappings, signing keys, exports, then its imports (loading their
 * exporters from `source`). The caller rewires.
 */
export function applyClaims(host: JwtAccountHost, trust: Trust, account: Account, jwt: { claims: AccountClaims; jwt: string }, source: JwtSource): JwtAccountState {
  const { claims } = jwt;
  const name = account.name;
  host.logger.debug(`Updating account claims: ${name}/${claims.name}`);
  const state: JwtAccountState = {
    claims,
    jwt: jwt.jwt,
    updatedAt: Date.now(),
    signers: signers(claims, trust),
    defaultPermissions: permissionsFromJwt(claims.nats.default_permissions),
    maxSubs: jwtLimit(claims.nats.limits.subs),
    maxPayload: jwtLimit(claims.nats.limits.payload),
    def: { ...newAccountDef(name), exports: claims.nats.exports.flatMap(exportDef) },
    expired: false,
    incomplete: false,
    expiry: null,
  };
  const l = claims.nats.limits;
  account.limits = { maxConnections: jwtLimit(l.conn), maxSubscriptions: 0, maxPayload: 0, maxLeafnodes: jwtLimit(l.leaf) };
  state.def.mappings = mappings(claims);
  account.mapper = null;
  try {
    account.mapper = SubjectMapper.compile(state.def.mappings, name);
  } catch (e) {
    host.logger.error(`Error adding mappings for account ${name}: ${(e as Error).message}`);
  }
  const previous = account.jwt;
  if (previous?.expiry) clearTimeout(previous.expiry);
  // Visible before its imports are resolved, so an import cycle finds it (and its exports).
  account.jwt = state;
  account.updated = new Date();
  setImportDefs(host, trust, account, source);
  if (claims.exp > 0) {
    state.expiry = setTimeout(expireJwtAccount, Math.max(claims.exp - nowSeconds(), 0) * 1000, account);
    state.expiry.unref();
  }
  return state;
}

/**
 * Sets the account's imports to those that can be added now, in the order of
 * its JWT. They are added one by one, as nats-server adds them: an exporter
 * loaded for a later import checks its own imports for cycles against the
 * ones added so far.
 */
export function setImportDefs(host: JwtAccountHost, trust: Trust, account: Account, source: JwtSource): void {
  const state = account.jwt!;
  state.def.imports = [];
  state.incomplete = false;
  for (const imp of state.claims.nats.imports) {
    const def = importDef(host, trust, account, imp, source);
    if (def !== null) state.def.imports.push(def);
    else if (imp.type !== null) state.incomplete = true;
  }
}

/** Its own key (unless its operator's signing key is strict) and its signing keys. */
function signers(claims: AccountClaims, trust: Trust): Map<string, UserScope | null> {
  const m = new Map<string, UserScope | null>();
  for (const k of claims.nats.signing_keys) {
    if (typeof k === "string") m.set(k, null);
    else m.set(k.key, k);
  }
  if (!trust.strictKeys.has(claims.iss)) m.set(claims.sub, null);
  return m;
}

const RESPONSE_TYPES: Record<string, ResponseType> = { Stream: "stream", Chunked: "chunked" };

function exportDef(e: Export): ExportDef[] {
  if (e.type === null) return [];
  const def: ExportDef = {
    kind: e.type,
    subject: e.subject,
    // Who may import is decided when an import is added (exportApproves below).
    accounts: null,
    responseType: RESPONSE_TYPES[e.response_type] ?? "singleton",
    responseThresholdMs: e.response_threshold > 0 ? e.response_threshold / 1e6 : DEFAULT_RESPONSE_THRESHOLD_MS,
  };
  if (e.account_token_position > 0) def.accountTokenPosition = e.account_token_position;
  return [def];
}

/** JWT mappings in the shape of a config `mappings` block. */
function mappings(claims: AccountClaims): ConfMap | undefined {
  const entries = Object.entries(claims.nats.mappings);
  if (entries.length === 0) return undefined;
  const out: ConfMap = {};
  for (const [from, dests] of entries) out[from] = dests.map((d) => ({ destination: d.subject, weight: d.weight === 0 ? 100 : d.weight }));
  return out;
}

/** The exporter's account, loading it if needed (an account may import from itself). */
function exporterOf(host: JwtAccountHost, trust: Trust, name: string, source: JwtSource): Account | string {
  const a = host.accounts.get(name);
  if (a?.jwt) return a.jwt.expired ? "account expired" : a;
  return loadJwtAccount(host, trust, name, source);
}

/** An import of the JWT as imports.ts wants it, or null when it cannot be added (as nats-server skips it). */
function importDef(host: JwtAccountHost, trust: Trust, importer: Account, imp: Import, source: JwtSource): ImportDef | null {
  const exporter = exporterOf(host, trust, imp.account, source);
  if (typeof exporter === "string") {
    host.logger.error(`Can't locate account [${imp.account}] for import of [${imp.subject}] ${imp.type ?? "unknown"} (err=${exporter})`);
    return null;
  }
  const exp = exporter.jwt!;
  if (imp.type === "stream") {
    const from = imp.subject;
    let to = imp.local_subject;
    if (to === "") {
      // The deprecated `to` of a stream import is a prefix.
      const prefix = imp.to;
      if (prefix !== "" && subjectHasWildcard(prefix)) return null;
      to = prefix === "" ? from : prefix.endsWith(".") ? prefix + from : `${prefix}.${from}`;
    }
    const until = isValidSubject(from) ? approves(exp, importer, "stream", from, imp) : false;
    if (until === false) return refused(host, importer, "stream", "stream import not authorized");
    const cycle = streamCycle(exp.def, to, new Set([importer.name]), jwtDefs(host));
    if (cycle !== null) return refused(host, importer, "stream", cycle);
    const def: ImportDef = { kind: "stream", account: exporter.name, subject: from, to, share: false };
    if (imp.local_subject === "" && imp.to !== "") def.prefix = imp.to;
    return expiring(host, importer, def, until);
  }
  if (imp.type === "service") {
    // The importer publishes on `local`, the exporter receives on `remote`.
    const local = imp.local_subject !== "" ? imp.local_subject : imp.subject;
    const remote = imp.local_subject !== "" ? imp.subject : imp.to || imp.subject;
    if (!isValidSubject(local) || !isValidSubject(remote)) return null;
    const until = approves(exp, importer, "service", remote, imp);
    if (until === false) return refused(host, importer, "service", "service import not authorized");
    const cycle = serviceCycle(exp.def, local, new Set([importer.name]), jwtDefs(host));
    if (cycle !== null) return refused(host, importer, "service", cycle);
    return expiring(host, importer, { kind: "service", account: exporter.name, subject: remote, to: local, share: imp.share }, until);
  }
  return null;
}

/** The exports and imports of the loaded accounts, for the cycle checks. */
function jwtDefs(host: JwtAccountHost): AccountDefs {
  return { get: (name: string): AccountDef | undefined => host.accounts.get(name)?.jwt?.def };
}

/** An import nats-server's Add*ImportWithClaim refuses: logged (at debug, as it does) and left out. */
function refused(host: JwtAccountHost, importer: Account, kind: "stream" | "service", problem: string): null {
  const tag = importer.jwt!.claims.name;
  const label = tag === "" ? importer.name : `${importer.name}/${tag}`;
  host.logger.debug(`Error adding ${kind} import to account [${label}]: ${problem}`);
  return null;
}

/** An import granted by an activation that expires goes when it does (nats-server activationExpired). */
function expiring(host: JwtAccountHost, importer: Account, def: ImportDef, until: number): ImportDef {
  if (until > 0) setTimeout(dropImport, (until - nowSeconds()) * 1000, host, importer, def).unref();
  return def;
}

function dropImport(host: JwtAccountHost, importer: Account, def: ImportDef): void {
  const state = importer.jwt;
  if (!state || !state.def.imports.includes(def)) return;
  state.def.imports = state.def.imports.filter((d) => d !== def);
  rewire(host);
}

/**
 * checkStreamExportApproved / checkServiceExportApproved: an export on that
 * very subject decides, else the first export containing it; it may need the
 * importer's name at a token, or an activation token. false = refused;
 * otherwise when the grant expires (unix seconds, 0 = never).
 */
function approves(exporter: JwtAccountState, importer: Account, kind: "stream" | "service", subject: string, imp: Import): number | false {
  const exports = exporter.claims.nats.exports.filter((e) => e.type === kind);
  const exact = exports.findLast((e) => e.subject === subject);
  const e = exact ?? exports.find((x) => subjectIsSubsetMatch(subject, x.subject));
  if (e === undefined) return false;
  if (!e.token_req && e.account_token_position === 0) return 0;
  if (e.account_token_position > 0) {
    // An exact match has no tokens to look at (as in nats-server).
    const tokens = exact === undefined ? subject.split(".") : [];
    return e.account_token_position <= tokens.length && tokens[e.account_token_position - 1] === importer.name ? 0 : false;
  }
  return activation(exporter, e, imp);
}

/** checkActivation: the import's token, issued by the exporter (or its signing key), valid now, not revoked. */
function activation(exporter: JwtAccountState, e: Export, imp: Import): number | false {
  if (imp.token === "") return false;
  let act;
  try {
    act = decodeClaims(imp.token, "activation");
  } catch (err) {
    if (err instanceof JwtError) return false;
    throw err;
  }
  const issuerAccount = act.nats.issuer_account;
  if (issuerAccount !== "" && (issuerAccount !== exporter.claims.sub || !exporter.signers.has(act.iss))) return false;
  if (validateActivation(act, true).blocking) return false;
  if (act.exp !== 0 && act.exp <= nowSeconds()) return false;
  const revokedAt = Math.max(e.revocations[act.sub] ?? -Infinity, e.revocations["*"] ?? -Infinity);
  if (revokedAt >= act.iat) return false;
  return act.exp;
}

/** An account JWT expired (or was deleted from a directory resolver): its clients are told and closed, and it can no longer be used. */
export function expireJwtAccount(account: Account): void {
  if (!account.jwt) return;
  account.jwt.expired = true;
  for (const c of [...account.clients]) {
    c.sendErr("Account Authentication Expired");
    c.server.logger.debug(`${c.label()} - Account Authentication Expired`);
    c.close(ClosedReason.AuthenticationExpired);
  }
}
