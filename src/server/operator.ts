// Operator mode when the server starts, as nats-server 2.9.10 starts it
// (server.go NewServer, Start, setSystemAccount):
// - a URL resolver must answer a GET of its base URL, or the server does
//   not start; the system account is then fetched, and if that fails the
//   server runs on a bootstrapping system account and fetches it every
//   second until it comes;
// - the system account gets the server's internal client, which serves
//   account claim updates (claim-updates.ts), or the directory resolvers'
//   services (dir-claims.ts).
// Outside operator mode only the internal client is started here.

import type { Account } from "../accounts/account.ts";
import type { JwtAccountHost } from "../accounts/jwt-account.ts";
import { updateJwtAccount } from "../accounts/jwt-update.ts";
import { systemAccountName } from "../accounts/system-imports.ts";
import { DirResolver } from "../auth/dir-resolver.ts";
import { UrlResolver } from "../auth/url-resolver.ts";
import { ConfigError } from "../config/errors.ts";
import { serveClaimUpdates } from "./claim-updates.ts";
import { serveDirClaims } from "./dir-claims.ts";
import { SystemClient, type SystemHost } from "./system.ts";

export interface OperatorHost extends JwtAccountHost, SystemHost {
  jwtAccount(name: string): Account | string | Promise<Account | string>;
}

const BOOTSTRAP_RETRY_MS = 1000;

/** The system account's key in operator mode, if there is one. */
function systemAccountKey(s: OperatorHost): string | null {
  return s.auth.trust === undefined ? null : systemAccountName(s.auth);
}

/** Before start: a URL resolver must be reachable (throws ConfigError otherwise); the system account is fetched. */
export async function prepareOperator(s: OperatorHost): Promise<void> {
  const resolver = s.auth.trust?.resolver;
  if (!(resolver instanceof UrlResolver)) return;
  const probe = await resolver.probe();
  if (!probe.ok) throw new ConfigError([probe.error]);
  const sys = systemAccountKey(s);
  // A quiet first try (no warning if it is missing), then the real lookup.
  if (sys !== null && (await resolver.fetch(sys)).ok) await s.jwtAccount(sys);
}

/**
 * At start: the system account's internal client, or null without a system
 * account. Outside operator mode 2.9.10 always has one (the configured
 * `system_account`, else a `$SYS` it creates) unless `no_system_account`
 * is set; in operator mode the default `$SYS` is refused (not signed by a
 * trusted operator), so only an operator's system account counts.
 */
export function startSystemAccount(s: OperatorHost): SystemClient | null {
  if (s.auth.trust === undefined) {
    const configured = s.auth.systemAccount;
    if (configured === undefined) return null;
    const sys = new SystemClient(s, s.accountFor(configured));
    // 2.9.10 listens for account JWT updates here too, and refuses them (no trusted operator).
    serveClaimUpdates(sys, s);
    return sys;
  }
  const name = systemAccountKey(s);
  if (name === null) return null;
  const resolver = s.auth.trust!.resolver;
  // A MEMORY resolver's system account is loaded here, a directory resolver's if
  // stored (else it is bootstrapped); a URL resolver's was fetched by prepareOperator.
  const stored = !(resolver instanceof DirResolver) || resolver.stored(name) !== null;
  if (!(resolver instanceof UrlResolver) && stored) s.jwtAccount(name);
  const account = s.accountFor(name);
  const sys = new SystemClient(s, account);
  if (resolver instanceof DirResolver) serveDirClaims(sys, s, resolver);
  else serveClaimUpdates(sys, s);
  if (!account.jwt) {
    s.logger.notice("Using bootstrapping system account");
    setTimeout(bootstrap, BOOTSTRAP_RETRY_MS, s, account).unref();
  }
  return sys;
}

/** Fetches the system account until it comes (a user of it may have loaded it meanwhile). */
async function bootstrap(s: OperatorHost, account: Account): Promise<void> {
  const resolver = s.auth.trust?.resolver ?? null;
  let done = account.jwt !== null;
  if (!done && resolver !== null) {
    const answer = await resolver.fetch(account.name);
    done = answer.ok && (await updateJwtAccount(s, account, answer.jwt)) === null;
  }
  if (done) s.logger.notice("System account fetched and updated");
  else setTimeout(bootstrap, BOOTSTRAP_RETRY_MS, s, account).unref();
}
