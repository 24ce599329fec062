// Fetching an account JWT from the resolver and checking it, as
// nats-server's fetchAccountClaims/verifyAccountClaims do: a valid account
// key, a JWT the resolver holds, signed by a trusted key, valid (not expired,
// no blocking issue), and about that very account. Error texts are
// nats-server's (they show in `error resolving system account: ...`).

import { decodeClaims, JwtError } from "../jwt/decode.ts";
import type { AccountClaims } from "../jwt/types.ts";
import { validateAccount } from "../jwt/validate.ts";
import { isValidPublicKey } from "./nkeys.ts";
import { ERR_MISSING_ACCOUNT, type ResolverAnswer } from "./resolver.ts";
import type { Trust } from "./types.ts";

const ERR_ACCOUNT_VALIDATION = "account validation failed";

/** `fetchFailed`: the resolver had nothing (nats-server warns `Account fetch failed`), as opposed to a bad JWT. */
export type Fetched = { ok: true; claims: AccountClaims; jwt: string } | { ok: false; error: string; fetchFailed: boolean };

/** Where the JWTs of one lookup come from: the resolver itself, or what was fetched from it beforehand. */
export type JwtSource = (name: string) => ResolverAnswer;

export function fetchAccount(trust: Trust, name: string, source: JwtSource): Fetched {
  if (!isValidPublicKey(name, "A")) return { ok: false, error: "will only fetch valid account keys", fetchFailed: true };
  if (trust.resolver === null) return { ok: false, error: ERR_MISSING_ACCOUNT, fetchFailed: false };
  const answer = source(name);
  if (!answer.ok) return { ok: false, error: answer.error, fetchFailed: true };
  return verifyAccountJwt(trust, answer.jwt, name);
}

/** verifyAccountClaims, and the claims must be about `name`. */
export function verifyAccountJwt(trust: Trust, jwt: string, name: string): Fetched {
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
