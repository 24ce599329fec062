// The account JWTs one lookup (or update) needs, from the resolver: the
// MEMORY resolver answers as it is asked; from a URL resolver the accounts
// asked for, and the exporters of their imports that are not loaded yet
// (and theirs), are fetched first, in parallel and in the background, so
// that the account can then be built at once (jwt-account.ts).

import { DirResolver } from "../auth/dir-resolver.ts";
import { ERR_MISSING_ACCOUNT, MemoryResolver, type AccountResolver, type ResolverAnswer } from "../auth/resolver.ts";
import type { JwtSource } from "../auth/jwt-fetch.ts";
import { isValidPublicKey } from "../auth/nkeys.ts";
import type { AuthConfig } from "../auth/types.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import { formatGoDuration } from "../config/duration.ts";
import type { Logger } from "../server/logger.ts";
import type { Account } from "./account.ts";

export interface SourceHost {
  readonly auth: AuthConfig;
  readonly logger: Logger;
  readonly accounts: ReadonlyMap<string, Account>;
}

const NONE: JwtSource = () => ({ ok: false, error: ERR_MISSING_ACCOUNT });

export function jwtSource(host: SourceHost, names: readonly string[]): JwtSource | Promise<JwtSource> {
  const resolver = host.auth.trust?.resolver ?? null;
  if (resolver === null) return NONE;
  if (resolver instanceof MemoryResolver) {
    return (name) => {
      const started = performance.now();
      const answer = resolver.fetch(name);
      logFetchTime(host.logger, name, performance.now() - started);
      return answer;
    };
  }
  if (resolver instanceof DirResolver) {
    const stored = storedSource(host, resolver, names);
    if (stored !== null) return stored;
  }
  return gather(host, resolver, names);
}

/**
 * A directory resolver answers at once when its directory holds every JWT
 * the lookup needs (exporters included); null when one must be asked for.
 */
function storedSource(host: SourceHost, resolver: DirResolver, names: readonly string[]): JwtSource | null {
  const answers = new Map<string, ResolverAnswer>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (answers.has(name) || !isValidPublicKey(name, "A")) continue;
    const answer = resolver.stored(name);
    if (answer === null) return null;
    answers.set(name, answer);
    pending.push(...exportersToFetch(host, answer));
  }
  return (name) => {
    const started = performance.now();
    const answer = answers.get(name) ?? { ok: false, error: ERR_MISSING_ACCOUNT };
    logFetchTime(host.logger, name, performance.now() - started);
    return answer;
  };
}

/** nats-server's note of how long a fetch took: a warning past a second. */
function logFetchTime(log: Logger, name: string, ms: number): void {
  const line = `Account [${name}] fetch took ${formatGoDuration(ms)}`;
  if (ms > 1000) log.warn(line);
  else log.debug(line);
}

async function gather(host: SourceHost, resolver: AccountResolver, names: readonly string[]): Promise<JwtSource> {
  const answers = new Map<string, Promise<ResolverAnswer>>();
  const visit = (name: string): Promise<unknown> => {
    if (answers.has(name) || !isValidPublicKey(name, "A")) return Promise.resolve();
    const started = performance.now();
    const answer = Promise.resolve(resolver.fetch(name)).then((a) => {
      logFetchTime(host.logger, name, performance.now() - started);
      return a;
    });
    answers.set(name, answer);
    return answer.then((a) => Promise.all(exportersToFetch(host, a).map(visit)));
  };
  await Promise.all(names.map(visit));
  const settled = new Map<string, ResolverAnswer>();
  for (const [name, p] of answers) settled.set(name, await p);
  return (name) => settled.get(name) ?? { ok: false, error: ERR_MISSING_ACCOUNT };
}

/** The accounts a fetched JWT imports from that are not loaded. */
function exportersToFetch(host: SourceHost, a: ResolverAnswer): string[] {
  if (!a.ok) return [];
  try {
    const claims = decodeClaims(a.jwt, "account");
    return claims.nats.imports.map((i) => i.account).filter((n) => !host.accounts.get(n)?.jwt);
  } catch (e) {
    if (e instanceof JwtError) return [];
    throw e;
  }
}
