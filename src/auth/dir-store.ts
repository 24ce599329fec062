// The account JWT directory of the full and cache resolvers, as nats-server
// 2.9.10's DirJWTStore keeps it (dirstore.go, not sharded): one file
// `<dir>/<account public key>.jwt` per account holding the JWT as it came.
// The files present at start and those written since are "indexed" (only
// they are listed); a full store refuses new accounts past its limit, a
// cache evicts the least recently used one. Deleting renames the file to
// `.jwt.deleted` (full with allow_delete) or removes it (cache).
// Every indexed JWT expires as nats-server's expirationTracker has it: a
// `ttl` after it was last written or read (cache with `ttl`), else at the
// JWT's own `exp`. A periodic check removes expired files and forgets them;
// nothing else is told, so a loaded account keeps its claims and only a later
// fetch finds the file gone.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isValidPublicKey } from "./nkeys.ts";

const EXT = ".jwt";
/** nats-server's defaultDirPerms / defaultFilePerms. */
const DIR_PERMS = 0o750;
const FILE_PERMS = 0o640;
/** How often expiry is checked at most: nats-server's default of a minute. */
const MAX_EXPIRE_CHECK_MS = 60_000;

/** Go's os error texts for a failed file operation. */
function osError(op: string, path: string, e: NodeJS.ErrnoException): string {
  const why: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
  };
  return `${op} ${path}: ${why[e.code ?? ""] ?? e.message}`;
}

export class DirStore {
  /** The directory as an absolute path (nats-server logs that one). */
  readonly dir: string;
  /** Indexed keys, least recently used first (Map order). */
  private readonly index = new Map<string, string>();
  /** When each indexed JWT expires (Date.now() milliseconds; Infinity: never). */
  private readonly expires = new Map<string, number>();

  /** `ttlMs` 0: JWTs expire at their own `exp`. */
  constructor(
    dir: string,
    private readonly limit: number,
    private readonly evictOnLimit: boolean,
    private readonly hardDelete: boolean,
    private readonly ttlMs = 0,
  ) {
    mkdirSync(dir, { recursive: true, mode: DIR_PERMS });
    this.dir = resolve(dir);
    for (const file of readdirSync(this.dir).sort()) {
      if (!file.endsWith(EXT)) continue;
      try {
        this.track(file.slice(0, -EXT.length), readFileSync(join(this.dir, file), "utf8"));
      } catch {
        // Unreadable files are left out, as nats-server leaves them.
      }
    }
    // nats-server checks every half ttl, at most a minute apart, from the store's creation on.
    const every = ttlMs > 0 ? Math.min(ttlMs / 2, MAX_EXPIRE_CHECK_MS) : MAX_EXPIRE_CHECK_MS;
    setInterval(() => this.expire(Date.now()), every).unref();
  }

  /** Removes the files of the JWTs expired by `now` and forgets them. */
  expire(now: number): void {
    for (const [key, at] of this.expires) {
      if (at > now) continue;
      try {
        rmSync(join(this.dir, key + EXT));
      } catch {
        // nats-server keeps tracking a file it could not remove.
        continue;
      }
      this.forget(key);
    }
  }

  private path(key: string): string | null {
    return key.length < 2 || !isValidKey(key) ? null : join(this.dir, key + EXT);
  }

  /** The stored JWT, or Go's error text. */
  load(key: string): { ok: true; jwt: string } | { ok: false; error: string } {
    const path = this.path(key);
    if (path === null) return { ok: false, error: "invalid public key" };
    try {
      const jwt = readFileSync(path, "utf8");
      this.touch(key);
      // Reading renews a ttl (not an expiry from the JWT).
      if (this.ttlMs > 0 && this.expires.has(key)) this.expires.set(key, Date.now() + this.ttlMs);
      return { ok: true, jwt };
    } catch (e) {
      return { ok: false, error: osError("open", path, e as NodeJS.ErrnoException) };
    }
  }

  /** Writes the JWT: true when it changed, false when it was the same; a string is Go's error text. */
  save(key: string, jwt: string): boolean | string {
    const path = this.path(key);
    if (path === null) return "invalid public key";
    if (this.index.has(key)) {
      this.touch(key);
      if (this.ttlMs > 0) this.expires.set(key, Date.now() + this.ttlMs);
      if (this.index.get(key) === jwt) return false;
    } else if (this.index.size >= this.limit) {
      if (!this.evictOnLimit) return "jwt store is full";
      const oldest = this.index.keys().next().value as string;
      rmSync(join(this.dir, oldest + EXT), { force: true });
      this.forget(oldest);
    }
    try {
      // Made again if it went away meanwhile, as nats-server does.
      mkdirSync(this.dir, { recursive: true, mode: DIR_PERMS });
      writeFileSync(path, jwt, { mode: FILE_PERMS });
    } catch (e) {
      return osError("open", path, e as NodeJS.ErrnoException);
    }
    this.track(key, jwt);
    return true;
  }

  /** Removes an account: true when there was one; a string is Go's error text. */
  delete(key: string): boolean | string {
    const path = this.path(key) ?? join(this.dir, key + EXT);
    try {
      if (this.hardDelete) rmSync(path);
      else renameSync(path, `${path}.deleted`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "ENOENT") return false;
      return this.hardDelete ? osError("remove", path, err) : `rename ${path} ${path}.deleted: ${err.message}`;
    }
    this.forget(key);
    return true;
  }

  /** The indexed accounts in file name order, with their JWTs, as nats-server walks the directory. */
  entries(): [string, string][] {
    return [...this.index.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** nats-server's store hash: the XOR of the SHA-256 of every indexed JWT. */
  hash(): Uint8Array {
    const out = new Uint8Array(32);
    for (const jwt of this.index.values()) {
      const h = createHash("sha256").update(jwt, "utf8").digest();
      for (let i = 0; i < 32; i++) out[i]! ^= h[i]!;
    }
    return out;
  }

  /** Indexes a JWT (as the most recently used) with its expiry: the ttl from now, else the JWT's `exp`. */
  private track(key: string, jwt: string): void {
    this.index.delete(key);
    this.index.set(key, jwt);
    const exp = this.ttlMs > 0 ? 0 : jwtExpires(jwt);
    this.expires.set(key, this.ttlMs > 0 ? Date.now() + this.ttlMs : exp > 0 ? exp * 1000 : Infinity);
  }

  private forget(key: string): void {
    this.index.delete(key);
    this.expires.delete(key);
  }

  private touch(key: string): void {
    const jwt = this.index.get(key);
    if (jwt === undefined) return;
    this.index.delete(key);
    this.index.set(key, jwt);
  }
}

/** The `exp` of a JWT (unix seconds), 0 when it has none or does not decode (jwt.DecodeGeneric). */
function jwtExpires(jwt: string): number {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return 0;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : 0;
  } catch {
    return 0;
  }
}

/** nkeys.IsValidPublicKey: any kind of public key. */
function isValidKey(key: string): boolean {
  return isValidPublicKey(key, "A") || isValidPublicKey(key, "O") || isValidPublicKey(key, "U");
}
