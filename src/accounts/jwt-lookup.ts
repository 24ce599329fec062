// Finding an operator-mode account by its public key, as nats-server 2.9.10
// does (server.go lookupAccount, updateAccount): a loaded account at once;
// an expired one is fetched again (at most once a second); any other is
// loaded from the resolver, after its JWTs were fetched if the resolver is
// a URL one (the answer is then a promise, and nothing else waits for it).

import type { JwtSource } from "../auth/jwt-fetch.ts";
import type { Account } from "./account.ts";
import { loadJwtAccount, rewire, type JwtAccountHost } from "./jwt-account.ts";
import { jwtSource } from "./jwt-source.ts";
import { updateJwtAccountFrom } from "./jwt-update.ts";

/** The account, or why there is none (nats-server's error text). */
export function lookupJwtAccount(host: JwtAccountHost, name: string): Account | string | Promise<Account | string> {
  const found = host.accounts.get(name);
  if (found?.jwt) return found.jwt.expired ? refreshExpired(host, found) : found;
  const source = jwtSource(host, [name]);
  if (source instanceof Promise) return source.then((s) => loadNow(host, name, s));
  return loadNow(host, name, source);
}

function loadNow(host: JwtAccountHost, name: string, source: JwtSource): Account | string {
  // Loaded meanwhile, by another client's lookup.
  const found = host.accounts.get(name);
  if (found?.jwt) return found.jwt.expired ? "account expired" : found;
  const loaded = loadJwtAccount(host, host.auth.trust!, name, source);
  if (typeof loaded !== "string") rewire(host);
  return loaded;
}

/**
 * An expired account's JWT is fetched again: a new one is applied; the same
 * one leaves the account expired, which the caller then finds.
 */
function refreshExpired(host: JwtAccountHost, account: Account): Account | string | Promise<Account | string> {
  if (Date.now() - account.jwt!.updatedAt < 1000) {
    host.logger.debug(`Requested account update for [${account.name}] ignored, too soon`);
    return "account expired";
  }
  const source = jwtSource(host, [account.name]);
  const retry = (s: JwtSource): Account | string => {
    const answer = s(account.name);
    if (!answer.ok) {
      host.logger.warn(`Account fetch failed: ${answer.error}`);
      return "account expired";
    }
    return updateJwtAccountFrom(host, account, answer.jwt, s) === null ? account : "account expired";
  };
  return source instanceof Promise ? source.then(retry) : retry(source);
}
