// A connection's authentication: the auth timer, CONNECT credentials, the
// no_auth_user shortcut, and binding to the user's account and permissions.
// Rules from the reference (client.go processConnect, auth.go).

import { authenticate, noAuthUser, type AuthResult } from "../auth/authenticate.ts";
import { compilePermissions } from "../auth/permissions.ts";
import { ERR } from "../protocol/errors.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "./closed.ts";

/** allow_responses bookkeeping for one reply subject. */
export interface ReplyGrant {
  /** Responses published so far. */
  n: number;
  /** When the request was delivered (ms). */
  at: number;
}

/** Past this many pending reply grants, expired ones are dropped, then the oldest. */
export const REPLIES_PRUNE_AT = 10_000;

export function pruneReplies(c: Client): void {
  const replies = c.replies!;
  const ttl = c.perms!.response!.expiresMs;
  const now = Date.now();
  if (ttl > 0) for (const [k, g] of replies) if (now - g.at > ttl) replies.delete(k);
  // Maps iterate in insertion order: the first entries are the oldest.
  for (const k of replies.keys()) {
    if (replies.size <= REPLIES_PRUNE_AT / 2) break;
    replies.delete(k);
  }
}

/** At accept: clients of a server without auth are in at once; others get a deadline. */
export function startAuth(c: Client): void {
  const host = c.server;
  if (!host.authRequired) {
    c.authenticated = true;
    return;
  }
  c.authTimer = setTimeout(onAuthTimeout, host.auth.timeoutMs, c);
}

function onAuthTimeout(c: Client): void {
  c.authTimer = null;
  if (c.closed || c.authenticated) return;
  c.server.logger.error(`${c.label()} - Authentication Timeout`);
  c.sendErr(ERR.authTimeout);
  c.close(ClosedReason.AuthenticationTimeout);
}

/**
 * An operation arrived before CONNECT while auth is required: allowed only
 * as the no_auth_user; otherwise Authorization Violation and close.
 */
export function authorizeImplicitly(c: Client): boolean {
  const user = noAuthUser(c.server.auth, c.connectionType);
  if (user === null) {
    authFailed(c, "");
    return false;
  }
  return bind(c, user);
}

/** CONNECT credentials. May pause the connection while a bcrypt hash is checked. */
export function processAuth(c: Client): void {
  const certIds = c.server.tls?.verifyAndMap ? (c.certIdentities ?? []) : null;
  const r = authenticate(c.server.auth, c.opts, c.nonce, c.connectionType, certIds);
  if (!(r instanceof Promise)) {
    if (finish(c, r) && c.opts.verbose) c.sendOK();
    return;
  }
  c.setAuthPending(true);
  r.then((res) => {
    if (c.closed) return;
    if (finish(c, res) && c.opts.verbose) c.sendOK();
    c.setAuthPending(false);
  });
}

function finish(c: Client, r: AuthResult): boolean {
  if (!r.ok) {
    authFailed(c, r.name);
    return false;
  }
  return bind(c, r);
}

function bind(c: Client, r: Extract<AuthResult, { ok: true }>): boolean {
  const account = c.server.accountFor(r.account);
  const limit = account.limits.maxConnections;
  // 0 = unlimited; -1 (an explicit 0 in the file) refuses everyone.
  if (account !== c.account && limit !== 0 && (limit < 0 || account.clients.size >= limit)) {
    c.server.logger.error(`${c.label()} - Maximum Account Connections Exceeded`);
    c.sendErr(ERR.maxAccountConnections);
    c.close(ClosedReason.MaxAccountConnectionsExceeded);
    return false;
  }
  c.bindAccount(account);
  c.userName = r.name;
  c.perms = compilePermissions(r.permissions);
  c.replies = c.perms?.response ? new Map() : null;
  c.authenticated = true;
  if (c.authTimer !== null) {
    clearTimeout(c.authTimer);
    c.authTimer = null;
  }
  return true;
}

function authFailed(c: Client, name: string): void {
  c.server.logger.error(`${c.label()} - authentication error - User "${name}"`);
  c.sendErr(ERR.authViolation);
  c.close(ClosedReason.AuthenticationViolation);
}
