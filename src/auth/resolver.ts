// Where operator mode finds account JWTs (nats-server's AccountResolver):
// the MEMORY resolver holds the preloaded ones and answers at once; the URL
// resolver (url-resolver.ts) asks an HTTP account server and answers later.

/** An account JWT, or why there is none in nats-server's words. */
export type ResolverAnswer = { ok: true; jwt: string } | { ok: false; error: string };

export interface AccountResolver {
  /** The JWT of the account with that public key. */
  fetch(name: string): ResolverAnswer | Promise<ResolverAnswer>;
}

/** The resolver had no such account (nats-server's ErrMissingAccount). */
export const ERR_MISSING_ACCOUNT = "account missing";

export class MemoryResolver implements AccountResolver {
  constructor(private readonly jwts: ReadonlyMap<string, string>) {}

  fetch(name: string): ResolverAnswer {
    const jwt = this.jwts.get(name);
    return jwt === undefined ? { ok: false, error: ERR_MISSING_ACCOUNT } : { ok: true, jwt };
  }
}
