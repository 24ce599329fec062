// An account JWT update reaching the account's connected clients, as
// nats-server 2.9.10 does it at the end of updateAccountClaimsWithRefresh
// (accounts.go) once the account holds its new claims: past the account's
// connection limit the oldest clients are closed; the others take the new
// limits (client.go applyAccountLimits: the user JWT's own subs/payload, or
// its scope template's, folded with the account's; a client at or over its
// subscription limit is told and closed); a user the account now revokes,
// or a bearer token it now disallows, is closed; and so is a user whose
// signing key the account dropped or re-scoped.
//
// This is the per-client part only: the caller (claim updates through $SYS,
// or a resolver that fetched a newer JWT) installs the new JwtAccountState
// first, and passes the signing keys the account had before.
//
// 2.9.10 decodes each client's user JWT again in this loop (signature
// verification included, ~50 µs a client). Here each client keeps what the
// loop needs from its CONNECT (JwtUserFacts), so no JWT is decoded and no
// permission is compiled: about a microsecond a client
// (`bun bench/jwt-recheck.ts`: 10,000 clients).

import type { JwtUserFacts } from "../auth/authenticate.ts";
import { tighter } from "../auth/authenticate-jwt.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { UserScope } from "../jwt/types.ts";
import { ERR } from "../protocol/errors.ts";
import type { Account } from "./account.ts";
import { jwtLimit } from "./jwt-account.ts";

const facts = new WeakMap<Client, JwtUserFacts>();

/** Called when a client binds to a JWT user (null: not one, or no longer). */
export function keepJwtUser(c: Client, f: JwtUserFacts | null): void {
  if (f === null) facts.delete(c);
  else facts.set(c, f);
}

/** What a JWT user's client kept from its user JWT (undefined: not a JWT user). */
export function jwtUserFacts(c: Client): JwtUserFacts | undefined {
  return facts.get(c);
}

/** jwt.go reflect.DeepEqual of two scopes, for the shapes the decoder builds. */
function sameScope(a: UserScope | null, b: UserScope | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Keys that are new, gone or re-scoped (signersChanged), and the re-scoped ones (alteredScope). */
function signerChanges(
  before: ReadonlyMap<string, UserScope | null>,
  after: ReadonlyMap<string, UserScope | null>,
): { changed: boolean; altered: Set<string> } {
  const altered = new Set<string>();
  let changed = before.size !== after.size;
  for (const [k, scope] of after) {
    if (!before.has(k)) changed = true;
    else if (!sameScope(before.get(k)!, scope)) {
      changed = true;
      altered.add(k);
    }
  }
  return { changed, altered };
}

/**
 * Applies the account's current JWT state to its connected clients.
 * `previousSigners`: the account's signers before the update (null: the
 * same as now). Returns how many clients were closed.
 */
export function recheckAccountClients(account: Account, previousSigners: ReadonlyMap<string, UserScope | null> | null = null): number {
  const state = account.jwt;
  if (!state) return 0;
  const claims = state.claims.nats;
  let clients = [...account.clients];
  const maxConns = account.limits.maxConnections; // 0 = unlimited, -1 = none
  if (maxConns !== 0 && clients.length > maxConns) {
    // 2.9.10 sorts them newest first and keeps the first ones: the oldest go.
    clients = clients.sort((x, y) => y.start - x.start || y.cid - x.cid);
  }
  const checkUser = Object.keys(claims.revocations).length > 0 || claims.limits.disallow_bearer;
  const signers = previousSigners === null ? { changed: false, altered: new Set<string>() } : signerChanges(previousSigners, state.signers);
  const before = account.clients.size;
  for (let i = 0; i < clients.length; i++) {
    const c = clients[i]!;
    if (c.closed) continue;
    if (maxConns !== 0 && (maxConns < 0 || i >= maxConns)) {
      c.server.logger.error(`${c.label()} - ${ERR.maxAccountConnections}`);
      c.sendErr(ERR.maxAccountConnections);
      c.close(ClosedReason.MaxAccountConnectionsExceeded);
      continue;
    }
    const f = facts.get(c);
    if (f === undefined) continue;
    applyLimits(c, f, account);
    if (c.closed || !checkUser) continue;
    if (f.bearer && claims.limits.disallow_bearer) {
      c.server.logger.debug(`${c.label()} - Bearer User JWT not allowed`);
      c.failAuth("");
      continue;
    }
    const at = claims.revocations[c.userName];
    const all = claims.revocations["*"];
    if ((at !== undefined && at >= f.issuedAt) || (all !== undefined && all >= f.issuedAt)) {
      c.sendErr("User Authentication Revoked");
      c.server.logger.debug(`${c.label()} - User Authentication Revoked`);
      c.close(ClosedReason.Revocation);
    }
  }
  if (signers.changed) {
    for (const c of clients) {
      const f = facts.get(c);
      if (c.closed || f === undefined || f.issuer === account.name) continue;
      if (signers.altered.has(f.issuer) || !state.signers.has(f.issuer)) c.close(ClosedReason.AuthenticationViolation);
    }
  }
  return before - account.clients.size;
}

/** applyAccountLimits: the user's (or its scope's) subs and payload within the account's. */
function applyLimits(c: Client, f: JwtUserFacts, account: Account): void {
  const state = account.jwt!;
  let subs = f.subs;
  let payload = f.payload;
  if (f.issuer !== account.name) {
    const scope = state.signers.get(f.issuer);
    if (scope) {
      subs = scope.template.subs;
      payload = scope.template.payload;
    }
  }
  const maxSubs = tighter(jwtLimit(subs), state.maxSubs);
  const maxPayload = tighter(jwtLimit(payload), state.maxPayload);
  const kept = c.jwtLimits;
  if (kept === null || kept.maxSubs !== maxSubs || kept.maxPayload !== maxPayload) {
    c.jwtLimits = { maxSubs, maxPayload };
    c.setLimits(c.server.options);
  }
  // subsAtLimit: at the limit already counts (as in 2.9.10).
  if (maxSubs !== 0 && (maxSubs < 0 || c.subs.size >= maxSubs)) {
    c.server.logger.error(`${c.label()} - ${ERR.maxSubscriptions}`);
    c.sendErr(ERR.maxSubscriptions);
    setTimeout(() => c.close(ClosedReason.MaxSubscriptionsExceeded), 20);
  }
}
