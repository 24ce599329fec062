// Which account an accepted leaf node connection binds to (nats-server
// 2.9.10 auth.go isLeafNodeAuthorized, registerLeafWithAccount, and
// processClientOrLeafAuthentication for leaf nodes): the leafnodes block's
// users or single user when it has them; otherwise the server's own client
// auth (users, nkeys, user JWTs with the LEAFNODE or LEAFNODE_WS connection
// type), where a leaf node that presents nothing takes the no_auth_user's
// account (the websocket block's one over WebSocket), then the block's
// `account`; a server without auth binds everything to $G (2.9.10 ignores
// `account` then). With verify_and_map in the block's tls, the client
// certificate names the user, among the block's users or the server's.

import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { authenticateJwt, type JwtAccounts } from "../auth/authenticate-jwt.ts";
import { authenticate, checkSecret, type AuthOk, type AuthResult } from "../auth/authenticate.ts";
import type { AuthConfig } from "../auth/types.ts";
import { defaultClientOpts } from "../client/opts.ts";
import type { LeafnodeOptions } from "./options.ts";

/** The credentials a leaf node's CONNECT may carry. */
export interface LeafCredentials {
  user: string;
  pass: string;
  jwt: string;
  sig: string;
}

export function authenticateLeaf(
  lo: LeafnodeOptions,
  auth: AuthConfig,
  accounts: JwtAccounts,
  creds: LeafCredentials,
  nonce: string | null,
  connType: "LEAFNODE" | "LEAFNODE_WS",
  clientIP: string,
  noAuthUser: string | undefined,
  /** verify_and_map in the leafnodes tls block: the client certificate's identities. */
  certIds: string[] | null = null,
): AuthResult | Promise<AuthResult> {
  const la = lo.authorization;
  if (la.users.length > 0) {
    // With verify_and_map the certificate names the user (whose password, if any, still applies).
    const name = certIds === null ? creds.user : (certIds.find((id) => la.users.some((x) => x.user === id)) ?? "");
    const u = la.users.find((x) => x.user === name);
    if (u === undefined) return { ok: false, name: creds.user };
    return checkSecret(creds.pass, u.password, bound(u.user, u.account), u.user);
  }
  if (la.user !== "") {
    if (creds.user !== la.user) return { ok: false, name: creds.user };
    return checkSecret(creds.pass, la.password, bound(la.user, la.account), creds.user);
  }
  const opts = defaultClientOpts();
  if (creds.user !== "") opts.user = creds.user;
  if (creds.pass !== "") opts.pass = creds.pass;
  if (creds.jwt !== "") opts.jwt = creds.jwt;
  if (creds.sig !== "") opts.sig = creds.sig;
  if (auth.trust !== undefined) return authenticateJwt(auth.trust, accounts, opts, nonce, connType, clientIP);
  if (auth.mode === "none") return bound("", "");
  // The certificate picks one of the server's users before no_auth_user is considered (2.9.10).
  if (certIds !== null && auth.users.size > 0) return authenticate(auth, opts, nonce, connType, certIds);
  const presented = creds.user !== "" || creds.pass !== "" || creds.jwt !== "";
  if (!presented) {
    const nau = noAuthUser === undefined ? undefined : (auth.users.get(noAuthUser) ?? auth.nkeys.get(noAuthUser));
    if (nau === undefined) return bound("", la.account);
    // The no_auth_user's allowed_connection_types apply to leaf nodes too.
    if (nau.allowedConnectionTypes !== null && !nau.allowedConnectionTypes.has(connType)) return { ok: false, name: noAuthUser! };
    return bound("", nau.account);
  }
  return authenticate(auth, opts, nonce, connType);
}

function bound(name: string, account: string): AuthOk {
  return { ok: true, user: null, name, account: account === "" ? GLOBAL_ACCOUNT : account, permissions: null };
}
