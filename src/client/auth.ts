// A connection's authentication: the auth timer, CONNECT credentials, the
// no_auth_user shortcut, and binding to the user's account and permissions.
// Rules from the reference (client.go processConnect, auth.go).

import { authenticate, authRequired, noAuthUser, type AuthResult, type JwtUser } from "../auth/authenticate.ts";
import { authenticateJwt } from "../auth/authenticate-jwt.ts";
import { compilePermissions } from "../auth/permissions.ts";
import { ERR } from "../protocol/errors.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { refreshDenyFilter } from "./subscribe.ts";
import { keepJwtUser } from "../accounts/jwt-recheck.ts";

/** allow_responses bookkeeping for one reply subject. */
export interface ReplyGrant {
  /** Responses published so far. */
  n: number;
  /** When the request was delivered (ms). */
  at: number;
}

/** Past this many pending reply grants, the expired and used-up ones are dropped (reference: pruneReplyPerms). */
export const REPLIES_PRUNE_AT = 4096;

export function pruneReplies(c: Client): void {
  const replies = c.replies!;
  const { max, expiresMs } = c.perms!.response!;
  const now = Date.now();
  for (const [k, g] of replies) {
    if ((max > 0 && g.n >= max) || (expiresMs > 0 && now - g.at > expiresMs)) replies.delete(k);
  }
}

/** At accept: clients of a server without auth are in at once; others get a deadline. */
export function startAuth(c: Client): void {
  const auth = c.server.authFor(c);
  if (!authRequired(auth)) {
    c.authenticated = true;
    return;
  }
  // Without a no_auth_user, nothing but CONNECT may come first.
  c.parser.connectRequired = auth.noAuthUser === undefined;
  c.authTimer = setTimeout(onAuthTimeout, auth.timeoutMs, c);
}

/**
 * A leaf node or route connection accepted here: nothing but CONNECT may
 * come first, and it must come within `ms` (their own authorization timeout).
 */
export function expectConnect(c: Client, ms: number): void {
  c.parser.connectRequired = true;
  c.authTimer = setTimeout(onConnectTimeout, ms, c);
}

function onConnectTimeout(c: Client): void {
  if (!c.connectReceived) onAuthTimeout(c);
  else c.authTimer = null;
}

function onAuthTimeout(c: Client): void {
  c.authTimer = null;
  if (c.closed || c.authenticated) return;
  // A debug line, as the reference logs it (sendErrAndDebug): a client that
  // never sends CONNECT is not a server error.
  c.server.logger.debug(`${c.label()} - Authentication Timeout`);
  c.sendErr(ERR.authTimeout);
  c.close(ClosedReason.AuthenticationTimeout);
}

/**
 * An operation arrived before CONNECT while auth is required: allowed only
 * as the no_auth_user; otherwise Authorization Violation and close.
 */
export function authorizeImplicitly(c: Client): boolean {
  return applyAuthResult(c, noAuthUser(c.server.authFor(c), c.connectionType) ?? { ok: false, name: "" });
}

/**
 * CONNECT credentials, then `next` if they are good. May hold the
 * connection's input while a bcrypt hash is checked or an account JWT is
 * fetched from a URL resolver; a reload meanwhile means checking again
 * against the new configuration.
 */
export function processAuth(c: Client, next: (c: Client) => void): void {
  const auth = c.server.authFor(c);
  const certIds = c.server.tls?.verifyAndMap ? (c.certIdentities ?? []) : null;
  const r =
    auth.trust !== undefined
      ? authenticateJwt(auth.trust, c.server, c.opts, c.nonce, c.connectionType, c.host)
      : authenticate(auth, c.opts, c.nonce, c.connectionType, certIds);
  if (!(r instanceof Promise)) {
    if (applyAuthResult(c, r)) connected(c, next);
    return;
  }
  c.setAuthPending(true);
  r.then((res) => {
    if (c.closed) return;
    if (c.server.authFor(c) !== auth) {
      processAuth(c, next);
      return;
    }
    // The result (and +OK) first, then what the client sent after CONNECT.
    if (applyAuthResult(c, res)) connected(c, next);
    if (!c.closed) c.setAuthPending(false);
  });
}

/** CONNECT authenticated: the server is told (connect event), then the CONNECT goes on. */
function connected(c: Client, next: (c: Client) => void): void {
  c.server.clientConnected?.(c);
  next(c);
}

/**
 * Binds the connection to the result's account, user and permissions, or
 * refuses it. Also used when a reload re-checks connected clients.
 */
export function applyAuthResult(c: Client, r: AuthResult): boolean {
  if (!r.ok) {
    const log = c.server.logger;
    if (r.debug) log.debug(`${c.label()} - ${r.debug}`);
    if (r.error) log.error(`${c.label()} - ${r.error}`);
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
  const from = c.account;
  c.bindAccount(account);
  if (from !== account) c.server.clientRebound?.(c, from);
  c.userName = r.name;
  c.jwtLimits = r.jwt === undefined ? null : { maxSubs: r.jwt.maxSubs, maxPayload: r.jwt.maxPayload };
  keepJwtUser(c, r.jwt?.claims ?? null);
  c.perms = compilePermissions(r.permissions);
  refreshDenyFilter(c);
  if (!c.perms?.response) c.replies = null;
  else c.replies ??= new Map();
  // The account may allow less than the server (limits.max_payload).
  c.setLimits(c.server.options);
  c.authenticated = true;
  c.clearAuthTimer();
  if (r.jwt !== undefined) holdToJwt(c, r.jwt);
  return true;
}

/**
 * A JWT user is disconnected when its JWT expires or its connect times end,
 * and right away when it may hold no subscription at all (nats-server does
 * that aside from the CONNECT: the error follows what the CONNECT's batch
 * caused, the close 20 ms later).
 */
function holdToJwt(c: Client, u: JwtUser): void {
  if (u.expiresInMs !== null) c.authTimer = setTimeout(onAuthExpired, u.expiresInMs, c);
  if (u.maxSubs < 0) setTimeout(noSubscriptionsAllowed, 0, c);
}

function noSubscriptionsAllowed(c: Client): void {
  if (c.closed) return;
  c.server.logger.error(`${c.label()} - ${ERR.maxSubscriptions}`);
  c.sendErr(ERR.maxSubscriptions);
  setTimeout(() => c.close(ClosedReason.MaxSubscriptionsExceeded), 20);
}

/**
 * After its first PONG, a protocol-1 JWT user whose max payload is not the
 * server's (a user or account limit) learns it from an INFO, without the
 * nonce (reference processPing).
 */
export function sendLimitInfo(c: Client): void {
  if (c.jwtLimits === null || c.opts.protocol < 1) return;
  const max = c.parser.maxPayload;
  if (max === c.server.options.maxPayload) return;
  const prefix = c.server.infoPrefix.replace(/"max_payload":\d+$/, `"max_payload":${max}`);
  c.sendProto(`${prefix},"client_id":${c.cid},"client_ip":${JSON.stringify(c.host)}} \r\n`);
}

function onAuthExpired(c: Client): void {
  c.authTimer = null;
  if (c.closed) return;
  c.sendErr("User Authentication Expired");
  c.server.logger.debug(`${c.label()} - User Authentication Expired`);
  c.close(ClosedReason.AuthenticationExpired);
}

export function authFailed(c: Client, name: string): void {
  authFailedLog(c, name);
  c.close(ClosedReason.AuthenticationViolation);
}

/** The log line and -ERR of a refused client (the caller closes it). In operator mode no user is named. */
export function authFailedLog(c: Client, name: string): void {
  const who = c.server.auth.trust !== undefined ? "" : ` - User "${name}"`;
  c.server.logger.error(`${c.label()} - authentication error${who}`);
  c.sendErr(ERR.authViolation);
  c.server.clientAuthFailed?.(c);
}
