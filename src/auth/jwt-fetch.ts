// Fetching an account JWT from the resolver and checking it, as
// nats-server's fetchAccountClaims/verifyAccountClaims do: a valid account
// key, a JWT the resolver holds, signed by a trusted key, valid (not expired,
// no blocking issue), and about that very account. Error texts are
// nats-server's (they show in `error resolving system account: ...`).

import { decodeClaims, JwtError } from "../jwt/decode.ts";
import type { AccountClaims } from "../jwt/types.ts";
import { validateAccount } from "../jwt/validate.ts";
import { isValidPublicKey } from "./nkeys.ts";
import type { Trust } from "./types.ts";

const ERR_MISSING_ACCOUNT = "account missing";
const ERR_ACCOUNT_VALIDATION = "account validation failed";

/** `fetchFailed`: the resolver had nothing (nats-server warns `Account fetch failed`), as opposed to a bad JWT. */
export type Fetched = { ok: true; claims: AccountClaims; jwt: string } | { ok: false; error: string; fetchFailed: boolean };

export function fetchAccount(trust: Trust, name: string): Fetched {
  if (!isValidPublicKey(name, "A")) return { ok: false, error: "will only fetch valid account keys", fetchFailed: true };
  const jwt = trust.resolver?.get(name);
  if (jwt === undefined) return { ok: false, error: ERR_MISSING_ACCOUNT, fetchFailed: trust.resolver !== null };
  let claims: AccountClaims;
  try {
    claims = decodeClaims(jwt, "account");
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    return { ok: false, error: e.message, fetchFailed: false };
  }
  if (!trust.keys.has(claims.iss) || validateAccount(claims).blocking || claims.sub !== name) {
    return { ok: false, error: ERR_ACCOUNT_VALIDATION, fetchFailed: false };
  }
  return { ok: true, claims, jwt };
}
