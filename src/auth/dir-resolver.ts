// The full and cache directory account resolvers (`resolver { type: full|cache,
// dir: ... }`), as nats-server 2.9.10's DirAccResolver and
// CacheDirAccResolver answer a fetch (accounts.go): the JWT stored in the
// directory (dir-store.ts) at once; otherwise the server asks the system
// account (`$SYS.REQ.ACCOUNT.<key>.CLAIMS.LOOKUP`), keeps the first reply
// and fails after the fetch timeout with "fetching jwt timed out". The
// services that write the store are in server/dir-claims.ts, the full
// resolver's sync with the other servers in server/dir-sync.ts.

import { goQuote } from "../protocol/text.ts";
import { DirStore } from "./dir-store.ts";
import { isValidPublicKey } from "./nkeys.ts";
import type { AccountResolver, ResolverAnswer } from "./resolver.ts";
import type { DirResolverOption } from "./types.ts";

/** nats-server's DEFAULT_ACCOUNT_FETCH_TIMEOUT. */
const FETCH_TIMEOUT_MS = 1900;
/** A cache's default limit; a full store has none. */
const CACHE_LIMIT = 1000;
/** A full resolver's default sync interval (any positive `interval` goes). */
const SYNC_INTERVAL_MS = 60_000;

/** Asks the system account for an account's JWT: the first reply, or null when none came in time. */
export type JwtLookup = (name: string, timeoutMs: number) => Promise<string | null>;

export class DirResolver implements AccountResolver {
  readonly type: "full" | "cache";
  readonly store: DirStore;
  readonly allowDelete: boolean;
  private readonly timeoutMs: number;
  /** How often a full resolver asks the other servers for what it lacks. */
  readonly syncMs: number;
  /** Set once the system account's internal client runs (nats-server's Start). */
  lookup: JwtLookup | null = null;

  constructor(o: DirResolverOption) {
    this.type = o.type;
    const cache = o.type === "cache";
    const limit = o.limit > 0 ? o.limit : cache ? CACHE_LIMIT : Infinity;
    this.store = new DirStore(o.dir, limit, cache, cache, o.ttlMs);
    this.allowDelete = cache || o.allowDelete;
    this.timeoutMs = o.timeoutMs > 0 ? o.timeoutMs : FETCH_TIMEOUT_MS;
    this.syncMs = o.intervalMs > 0 ? o.intervalMs : SYNC_INTERVAL_MS;
  }

  /** The stored JWT, or null when the directory has none. */
  stored(name: string): ResolverAnswer | null {
    const r = this.store.load(name);
    return r.ok && r.jwt !== "" ? r : null;
  }

  fetch(name: string): ResolverAnswer | Promise<ResolverAnswer> {
    const r = this.store.load(name);
    if (r.ok && r.jwt !== "") return r;
    const lookup = this.lookup;
    // Not started (or made by a reload: nats-server never starts that one either): no one to ask.
    if (lookup === null) return { ok: false, error: r.ok ? "fetching jwt timed out" : r.error };
    return lookup(name, this.timeoutMs).then((jwt): ResolverAnswer => {
      if (jwt === null) return { ok: false, error: "fetching jwt timed out" };
      const saved = this.saveIfNewer(name, jwt);
      return typeof saved === "string" ? { ok: false, error: saved } : { ok: true, jwt };
    });
  }

  /**
   * nats-server's saveIfNewer (preloads, fetched and merged JWTs): an
   * existing JWT with the same id or issued later stays. True when the store
   * changed, false when not; a string is Go's error text.
   */
  saveIfNewer(name: string, jwt: string): boolean | string {
    const existing = this.store.load(name);
    if (existing.ok) {
      const now = generic(jwt);
      if (now === null) return "illegal base64 data at input byte 0";
      const old = generic(existing.jwt);
      if (old !== null) {
        if (old.jti === now.jti || old.iat > now.iat) return false;
        if (now.sub !== name) return "jwt subject nkey and provided nkey do not match";
        if (old.sub !== now.sub) return "subject of existing and new jwt do not match";
      }
    }
    return this.store.save(name, jwt);
  }

  /**
   * nats-server's Merge of a pack (`key|jwt` lines) from another server: each
   * JWT saved if newer, up to the first error. The keys whose JWT changed.
   */
  merge(pack: string): { changed: [string, string][]; error: string | null } {
    const changed: [string, string][] = [];
    for (const line of pack.split("\n")) {
      if (line === "") continue;
      const parts = line.split("|");
      if (parts.length !== 2) return { changed, error: `line in package didn't contain 2 entries: ${goQuote(line)}` };
      const [key, jwt] = parts as [string, string];
      if (!isValidPublicKey(key, "A")) return { changed, error: "key to merge is not a valid public account key" };
      const saved = this.saveIfNewer(key, jwt);
      if (typeof saved === "string") return { changed, error: saved };
      if (saved) changed.push([key, jwt]);
    }
    return { changed, error: null };
  }
}

/** The fields of a JWT saveIfNewer compares, or null when it does not decode. */
function generic(jwt: string): { jti: string; iat: number; sub: string } | null {
  const parts = jwt.split(".");
  if (parts.length !== 3) return null;
  try {
    const c = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    return { jti: String(c.jti ?? ""), iat: Number(c.iat ?? 0), sub: String(c.sub ?? "") };
  } catch {
    return null;
  }
}
