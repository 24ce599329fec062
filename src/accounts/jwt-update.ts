// A new JWT for a loaded account (a claim update through the system account,
// a fresh fetch of an expired account, a reload), applied as nats-server
// 2.9.10 applies it (server.go updateAccountWithClaimJWT, accounts.go
// updateAccountClaimsWithRefresh): the very same JWT changes nothing; one
// that does not verify is refused; otherwise the account is rebuilt from the
// new claims, the imports of accounts that import from it are checked again
// against its new exports, everything is rewired, and its connected clients
// are held to the new claims (jwt-recheck.ts).

import { verifyAccountJwt, type Fetched, type JwtSource } from "../auth/jwt-fetch.ts";
import type { Account } from "./account.ts";
import { applyClaims, rewire, setImportDefs, type JwtAccountHost } from "./jwt-account.ts";
import { recheckAccountClients } from "./jwt-recheck.ts";
import { jwtSource } from "./jwt-source.ts";

/** Null when applied (or the same JWT again), else why not (nats-server's error text). */
export function updateJwtAccount(host: JwtAccountHost, account: Account, jwt: string): string | null | Promise<string | null> {
  const checked = check(host, account, jwt);
  if (checked === null || typeof checked === "string") return checked;
  // The exporters of new imports may have to be fetched first.
  const missing = checked.claims.nats.imports.map((i) => i.account).filter((n) => n !== account.name && !host.accounts.get(n)?.jwt);
  const source = jwtSource(host, missing);
  if (source instanceof Promise) return source.then((s) => apply(host, account, checked, s));
  return apply(host, account, checked, source);
}

/** The same, with the JWTs the new claims need already at hand. */
export function updateJwtAccountFrom(host: JwtAccountHost, account: Account, jwt: string, source: JwtSource): string | null {
  const checked = check(host, account, jwt);
  if (checked === null || typeof checked === "string") return checked;
  return apply(host, account, checked, source);
}

/** The verified claims; null for the JWT the account already has; a string when refused. */
function check(host: JwtAccountHost, account: Account, jwt: string): Extract<Fetched, { ok: true }> | string | null {
  if (account.jwt?.jwt === jwt) {
    host.logger.debug(`Requested account update for [${account.name}], same claims detected`);
    return null;
  }
  // Without a trusted operator no account JWT verifies (2.9.10's ErrAccountValidation).
  if (host.auth.trust === undefined) return "account validation failed";
  const v = verifyAccountJwt(host.auth.trust, jwt, account.name);
  return v.ok ? v : v.error;
}

/** Did some of the importer's JWT imports from `exporter` fail to be added (a cycle, no authorization...)? */
function refusedFrom(importer: Account, exporter: string): boolean {
  const s = importer.jwt!;
  const claimed = s.claims.nats.imports.filter((i) => i.account === exporter).length;
  return s.def.imports.filter((d) => d.account === exporter).length < claimed;
}

function apply(host: JwtAccountHost, account: Account, fetched: Extract<Fetched, { ok: true }>, source: JwtSource): null {
  const trust = host.auth.trust!;
  const before = account.jwt;
  applyClaims(host, trust, account, fetched, source);
  // Importers are held to the new exports: imports it no longer allows go, ones it now allows come.
  for (const importer of host.accounts.values()) {
    const s = importer.jwt;
    if (importer === account || !s || !s.claims.nats.imports.some((i) => i.account === account.name)) continue;
    const refusedBefore = refusedFrom(importer, account.name);
    setImportDefs(host, trust, importer, source);
    // nats-server retries an importer whose imports from this account failed, and says so when one fails again.
    if (refusedBefore && refusedFrom(importer, account.name)) {
      const tag = s.claims.name;
      host.logger.error(`Account ${tag === "" ? importer.name : `${importer.name}/${tag}`} has issues importing account ${account.name}`);
    }
  }
  rewire(host);
  if (before !== null) recheckAccountClients(account, before.signers);
  return null;
}
