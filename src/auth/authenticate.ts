// Who is connecting: checks CONNECT credentials against the configuration.
// Order and rules from the reference (auth.go processClientOrLeafAuthentication):
// nkey users by signature over the INFO nonce, users by name and password
// (bcrypt or plain, compared in constant time), single user, token,
// no_auth_user for clients that present nothing.

import type { ClientOpts } from "../client/opts.ts";
import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import type { AuthConfig, ConnectionType, Permissions, User } from "./types.ts";
import { verifyNkeySignature } from "./signature.ts";

export interface AuthOk {
  ok: true;
  /** The matched user (null in token / single-user / no-auth / JWT modes). */
  user: User | null;
  /** Name shown in logs and monitoring. */
  name: string;
  account: string;
  permissions: Permissions | null;
  /** A JWT user (operator mode): what the connection is held to. */
  jwt?: JwtUser;
}
export interface JwtUser {
  /** The user's public nkey. */
  key: string;
  /** When the connection must end (the JWT expires, its connect times end), in ms from now; null = never. */
  expiresInMs: number | null;
  /** The user's and its account's limits together: 0 = unlimited, -1 = nothing allowed. */
  maxSubs: number;
  maxPayload: number;
  /** From the user JWT, for re-checking the client when its account's JWT changes (jwt-recheck.ts) without decoding it again. */
  claims: JwtUserFacts;
}
export interface JwtUserFacts {
  /** The key that signed the user JWT (the account's, or one of its signing keys). */
  issuer: string;
  issuedAt: number;
  bearer: boolean;
  /** The user JWT's own limits.subs and limits.payload, as in the JWT (-1 = unlimited). */
  subs: number;
  payload: number;
}
export interface AuthFail {
  ok: false;
  /** For the log line: the user that failed. */
  name: string;
  /** Operator mode: why, for the debug log. */
  debug?: string;
  /** Operator mode: a reason nats-server logs as an error. */
  error?: string;
}
export type AuthResult = AuthOk | AuthFail;

const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

/** Whether clients must authenticate (INFO auth_required, the auth timer). */
export function authRequired(auth: AuthConfig): boolean {
  return auth.mode !== "none";
}

/** INFO carries a nonce when nkey users exist, and in operator mode. 11 random bytes, base64url: 15 chars. */
export function needsNonce(auth: AuthConfig): boolean {
  return auth.nkeys.size > 0 || auth.mode === "operator";
}
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(11))).toString("base64url");
}

/**
 * Checks the client's CONNECT options. Synchronous unless a bcrypt hash must
 * be verified (Bun.password runs that off the event loop).
 */
export function authenticate(
  auth: AuthConfig,
  o: ClientOpts,
  nonce: string | null,
  connType: ConnectionType,
  certIds: string[] | null = null,
): AuthResult | Promise<AuthResult> {
  // verify_and_map: the certificate names the user; CONNECT credentials are not used.
  if (certIds !== null) return userFromCert(auth, certIds, connType);
  switch (auth.mode) {
    case "none":
      return ok(null, "", GLOBAL_ACCOUNT, null);
    case "token":
      return checkSecret(o.auth_token ?? "", auth.token!, ok(null, "", GLOBAL_ACCOUNT, auth.simplePermissions), "");
    case "user":
      if (o.user !== auth.user) return fail(o.user ?? "");
      return checkSecret(o.pass ?? "", auth.password!, ok(null, o.user!, GLOBAL_ACCOUNT, auth.simplePermissions), o.user!);
    case "users":
      return authenticateUser(auth, o, nonce, connType);
    case "operator":
      // JWT users need the server's accounts: authenticate-jwt.ts.
      return fail("");
  }
}

function authenticateUser(
  auth: AuthConfig,
  o: ClientOpts,
  nonce: string | null,
  connType: ConnectionType,
): AuthResult | Promise<AuthResult> {
  // An nkey counts only where nkey users exist (the reference ignores it otherwise).
  if (o.nkey && auth.nkeys.size > 0) {
    const user = auth.nkeys.get(o.nkey);
    if (user === undefined || !typeAllowed(user, connType)) return fail(o.nkey);
    if (nonce === null || !o.sig || !verifySignature(o.nkey, nonce, o.sig)) return fail(o.nkey);
    return userOk(user);
  }
  if (o.user) {
    const user = auth.users.get(o.user);
    if (user === undefined || !typeAllowed(user, connType)) return fail(o.user);
    return checkSecret(o.pass ?? "", user.password ?? "", userOk(user), o.user);
  }
  // Nothing presented at all: the no_auth_user, if configured (no password check).
  if (!o.pass && !o.auth_token && !o.nkey) return noAuthUser(auth, connType) ?? fail("");
  return fail("");
}

function userFromCert(auth: AuthConfig, ids: string[], connType: ConnectionType): AuthResult {
  for (const id of ids) {
    const user = auth.users.get(id);
    if (user !== undefined && typeAllowed(user, connType)) return userOk(user);
  }
  return fail(ids[ids.length - 1] ?? "");
}

/** The no_auth_user: for a client that presents no credentials, or skips CONNECT. */
export function noAuthUser(auth: AuthConfig, connType: ConnectionType): AuthOk | null {
  if (auth.noAuthUser === undefined) return null;
  const user = auth.users.get(auth.noAuthUser) ?? auth.nkeys.get(auth.noAuthUser);
  if (user === undefined || !typeAllowed(user, connType)) return null;
  return userOk(user);
}

function typeAllowed(user: User, t: ConnectionType): boolean {
  return user.allowedConnectionTypes === null || user.allowedConnectionTypes.has(t);
}

function userOk(user: User): AuthOk {
  return ok(user, user.username ?? user.nkey ?? "", user.account, user.permissions);
}

function ok(user: User | null, name: string, account: string, permissions: Permissions | null): AuthOk {
  return { ok: true, user, name, account, permissions };
}

function fail(name: string): AuthFail {
  return { ok: false, name };
}

/** Plain secrets compare in constant time; bcrypt hashes verify asynchronously. */
export function checkSecret(given: string, stored: string, success: AuthOk, name: string): AuthResult | Promise<AuthResult> {
  if (BCRYPT.test(stored)) {
    return Bun.password
      .verify(given, stored, "bcrypt")
      .then((good): AuthResult => (good ? success : fail(name)))
      .catch((): AuthResult => fail(name));
  }
  return sameBytes(Buffer.from(given), Buffer.from(stored)) ? success : fail(name);
}

/**
 * Compares in time that depends only on the length, so a wrong password's
 * prefix is not timed out of the server (node:crypto's timingSafeEqual would
 * load that whole module at start-up for four lines).
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** ed25519 signature of the nonce's ASCII bytes; base64url, or standard base64. */
function verifySignature(publicKey: string, nonce: string, sig: string): boolean {
  return verifyNkeySignature(publicKey, new TextEncoder().encode(nonce), Buffer.from(sig, "base64"));
}
