// A config reload in operator mode, as nats-server 2.9.10 does it
// (reload.go reloadAuthorization, the trusted-keys branch): the operator and
// trusted keys cannot change (config/reload.ts refuses that); the resolver
// is the new config's. With a MEMORY resolver every loaded account is
// fetched again from the new preloads: a changed JWT is applied as an update
// would be, an account that is gone or no longer valid is dropped. Then
// every client is authenticated again (new pinned accounts, permissions from
// new default permissions), as after any other auth change.

import type { Account } from "../accounts/account.ts";
import { jwtSource } from "../accounts/jwt-source.ts";
import { updateJwtAccountFrom } from "../accounts/jwt-update.ts";
import { fetchAccount, type JwtSource } from "../auth/jwt-fetch.ts";
import { MemoryResolver } from "../auth/resolver.ts";
import { recheckClient, syncAccounts } from "./reload-auth.ts";
import type { Server } from "./server.ts";
import { logPreloadIssues } from "./trust-log.ts";

export function reloadOperatorMode(s: Server): void {
  if (s.auth.trust?.resolver instanceof MemoryResolver) {
    logPreloadIssues(s.logger, s.options);
    refreshAccounts(s, jwtSource(s, []) as JwtSource);
  }
  syncAccounts(s, s.auth);
  for (const c of [...s.clients.values()]) recheckClient(c);
}

function refreshAccounts(s: Server, source: JwtSource): void {
  const trust = s.auth.trust!;
  for (const account of [...s.accounts.values()]) {
    if (!account.jwt) continue;
    const fetched = fetchAccount(trust, account.name, source);
    if (!fetched.ok) {
      if (fetched.fetchFailed) s.logger.warn(`Account fetch failed: ${fetched.error}`);
      drop(s, account, "removed");
    } else if (updateJwtAccountFrom(s, account, fetched.jwt, source) !== null) {
      drop(s, account, "bad claims");
    }
  }
}

/** The account is forgotten: its users fail when checked again. The system account stays (nats-server puts it back). */
function drop(s: Server, account: Account, why: string): void {
  s.logger.notice(`Reloaded: deleting account [${why}]: ${JSON.stringify(account.name)}`);
  if (account === s.system?.account) return;
  if (account.jwt?.expiry) clearTimeout(account.jwt.expiry);
  s.accounts.delete(account.name);
}
