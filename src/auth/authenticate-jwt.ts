// Who is connecting, in operator mode: a user JWT in CONNECT, checked as
// nats-server 2.9.10 checks it (auth.go processClientOrLeafAuthentication,
// the trusted-keys branch), step by step and with its debug lines:
// the JWT decodes, verifies and is valid now; its connection types allow
// this client; its account (issuer_account, else the issuer) is pinned if
// pinning is on and resolves to a trusted account JWT; the user's issuer is
// that account or one of its signing keys (a scoped key imposes its
// template); the account is not expired and takes bearer users if this is
// one; else the nonce signature verifies with the user key; the user is not
// revoked, connects from an allowed address and within its times.

import type { ClientOpts } from "../client/opts.ts";
import type { Account } from "../accounts/account.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import type { UserClaims } from "../jwt/types.ts";
import { nowSeconds, validateUser } from "../jwt/validate.ts";
import { cidrContains, parseCIDR, parseIP } from "../jwt/cidr.ts";
import { connectWindow } from "../jwt/times.ts";
import { jwtLimit } from "../accounts/jwt-account.ts";
import type { AuthFail, AuthOk, AuthResult } from "./authenticate.ts";
import { fillTemplate, hasEmptyPermissions, permissionsFromJwt } from "./jwt-permissions.ts";
import { verifyNkeySignature } from "./signature.ts";
import type { ConnectionType, Trust } from "./types.ts";

/** Where accounts come from (the server, which loads them from the resolver on first use). */
export interface JwtAccounts {
  /** The account with that public key, or why there is none; later when it has to be fetched. */
  jwtAccount(name: string): Account | string | Promise<Account | string>;
  /** Users refused for an account outside resolver_pinned_accounts (varz's pinned_account_fails). */
  pinnedAccountFails: number;
}

/** Connection types the server knows (client.go convertAllowedConnectionTypes). */
const KNOWN_TYPES = new Set(["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS"]);

/** The tighter of two limits (0 = unlimited, -1 = nothing allowed). */
export function tighter(a: number, b: number): number {
  if (a < 0 || b < 0) return -1;
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/**
 * User JWTs that decoded and verified, by their text: a user that connects
 * again (services, reconnects) costs one ed25519 verification (the nonce),
 * not two. Decoding depends on the text alone; everything that depends on
 * the time or the account (expiry, revocations, issuer...) is checked on
 * every connection. Dropped as a whole when full.
 */
const DECODED_MAX = 1024;
let decoded = new Map<string, UserClaims>();

function decodeUser(token: string): UserClaims {
  let user = decoded.get(token);
  if (user === undefined) {
    user = decodeClaims(token, "user");
    if (decoded.size >= DECODED_MAX) decoded = new Map();
    decoded.set(token, user);
  }
  return user;
}

/**
 * What a CONNECT (its options object) already proved: its user JWT decoded,
 * and its signature over the connection's nonce verified. A connected client
 * checked again (a reload re-authenticates every client) verifies neither
 * again: ~100 µs a client less, as the JWT, nonce and signature are the same.
 */
interface Proven {
  jwt: string;
  user: UserClaims;
  /** The nonce and signature that verified, if any yet. */
  nonce: string | null;
  sig: string | null;
}
const proven = new WeakMap<ClientOpts, Proven>();

function decodeFor(o: ClientOpts, token: string): UserClaims {
  const p = proven.get(o);
  if (p !== undefined && p.jwt === token) return p.user;
  const user = decodeUser(token);
  proven.set(o, { jwt: token, user, nonce: null, sig: null });
  return user;
}

/** The nonce signature by the user's key (verified once per CONNECT). */
function nonceSigned(o: ClientOpts, user: UserClaims, nonce: string | null, sig: string): boolean {
  const p = proven.get(o);
  if (p !== undefined && p.user === user && p.sig === sig && p.nonce === nonce && nonce !== null) return true;
  if (nonce === null || !verifyNkeySignature(user.sub, new TextEncoder().encode(nonce), Buffer.from(sig, "base64"))) return false;
  if (p !== undefined && p.user === user) {
    p.nonce = nonce;
    p.sig = sig;
  }
  return true;
}

function fail(debug: string, error?: string): AuthFail {
  return error === undefined ? { ok: false, name: "", debug } : { ok: false, name: "", debug, error };
}

export function authenticateJwt(
  trust: Trust,
  accounts: JwtAccounts,
  o: ClientOpts,
  nonce: string | null,
  connType: ConnectionType,
  clientIP: string,
): AuthResult | Promise<AuthResult> {
  if (!o.jwt) return fail("Authentication requires a user JWT");
  let user: UserClaims;
  try {
    user = decodeFor(o, o.jwt);
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    return fail(`User JWT not valid: ${e.message}`);
  }
  const issues = validateUser(user);
  // Go's %+v of the validation results.
  if (issues.blocking) return fail(`User JWT no longer valid: &{Issues:[${issues.list.map((i) => i.text).join(" ")}]}`);

  const types = user.nats.allowed_connection_types ?? [];
  const known = types.map((t) => t.toUpperCase()).filter((t) => KNOWN_TYPES.has(t));
  if (known.length < types.length && known.length === 0) return fail("invalid connection types");
  if (known.length > 0 && !known.includes(connType)) return fail("Connection type not allowed");

  const accountKey = user.nats.issuer_account || user.iss;
  if (trust.pinned !== null && !trust.pinned.has(accountKey)) {
    accounts.pinnedAccountFails++;
    return fail(`Account ${accountKey} not listed as operator pinned account`);
  }
  const account = accounts.jwtAccount(accountKey);
  if (account instanceof Promise) return account.then((a) => withAccount(a, user, o, nonce, clientIP));
  return withAccount(account, user, o, nonce, clientIP);
}

/** The checks that need the user's account. */
function withAccount(account: Account | string, user: UserClaims, o: ClientOpts, nonce: string | null, clientIP: string): AuthResult {
  if (typeof account === "string") return fail(`Account JWT lookup error: ${account}`);
  const state = account.jwt!;
  if (!state.signers.has(user.iss)) return fail("User JWT issuer is not known");
  const scope = state.signers.get(user.iss) ?? null;
  let granted = user.nats;
  if (scope !== null) {
    if (!hasEmptyPermissions(user.nats)) return fail("User JWT is not valid: scoped users require no permissions or limits set");
    const filled = fillTemplate(scope.template, user, state.claims);
    if (filled === null) return fail("User JWT generated invalid permissions");
    granted = { ...user.nats, ...filled };
  }
  if (state.expired) return fail("Account JWT has expired");
  if (granted.bearer_token && state.claims.nats.limits.disallow_bearer) return fail("Account does not allow bearer token");
  if (!granted.bearer_token) {
    if (!o.sig) return fail("Signature missing");
    if (!nonceSigned(o, user, nonce, o.sig)) return fail("Signature not verified");
  }
  if (revoked(state.claims.nats.revocations, user.sub, user.iat)) return fail("User authentication revoked");
  if (!srcAllowed(granted.src, clientIP)) return fail("", `Bad src Ip ${clientIP}`);
  const window = connectWindow(granted.times, granted.times_location);
  if (!window.ok) return fail("", "Outside connect times");

  // Limits come from the user JWT itself, or from the scope's template.
  const limits = scope !== null ? scope.template : user.nats;
  const ok: AuthOk = {
    ok: true,
    user: null,
    name: user.sub,
    account: account.name,
    permissions: permissionsFromJwt(granted) ?? state.defaultPermissions,
    jwt: {
      key: user.sub,
      expiresInMs: expiresIn(user.exp, window.validForMs),
      maxSubs: tighter(jwtLimit(limits.subs), state.maxSubs),
      maxPayload: tighter(jwtLimit(limits.payload), state.maxPayload),
      claims: { issuer: user.iss, issuedAt: user.iat, bearer: user.nats.bearer_token, subs: user.nats.subs, payload: user.nats.payload },
    },
  };
  return ok;
}

/** Revoked when the account revokes this key (or "*") at or after the JWT was issued. */
function revoked(revocations: Record<string, number>, key: string, iat: number): boolean {
  const at = revocations[key];
  const all = revocations["*"];
  return (at !== undefined && at >= iat) || (all !== undefined && all >= iat);
}

/** jwt.go validateSrc: an unparsable CIDR fails the whole check. */
function srcAllowed(src: string[] | null, host: string): boolean {
  if (src === null || src.length === 0) return true;
  const ip = parseIP(host);
  if (ip === null) return false;
  for (const cidr of src) {
    const net = parseCIDR(cidr);
    if (net === null) return false;
    if (cidrContains(net, ip)) return true;
  }
  return false;
}

/** client.go setExpiration: the JWT's exp (in whole seconds from now), or the end of the connect window if sooner; null = never. */
function expiresIn(exp: number, validForMs: number): number | null {
  if (exp === 0) return validForMs !== 0 ? validForMs : null;
  const left = Math.max(exp - nowSeconds(), 0) * 1000;
  return validForMs !== 0 && validForMs < left ? validForMs : left;
}
