// Expiry in the directory store (nats-server 2.9.10 dirstore.go's
// expirationTracker), driven by calling the periodic check with a chosen
// time: with a ttl a JWT goes a ttl after it was last written or read;
// without one at its own `exp`, or never. Expired files are removed and no
// longer listed. (The ttl against nats-server itself: test/jwt/dir-resolver.test.ts.)

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAccount } from "@nats-io/nkeys";
import { DirStore } from "../../src/auth/dir-store.ts";
import { tempDir } from "../helpers/conf.ts";

/** Only the payload matters to the store's expiry. */
function fakeJwt(payload: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;
}

describe("directory store expiry", () => {
  test("with a ttl: a ttl after the last write or read", () => {
    const dir = tempDir("nats-bun-store-");
    const store = new DirStore(dir, 10, true, true, 60_000);
    const key = createAccount().getPublicKey();
    // Its own exp does not count when there is a ttl.
    expect(store.save(key, fakeJwt({ exp: 1 }))).toBe(true);
    const saved = Date.now();
    store.expire(saved + 30_000);
    expect(store.entries().length).toBe(1);
    // Reading later pushes the expiry back.
    expect(store.load(key).ok).toBe(true);
    const read = Date.now();
    store.expire(read + 59_000);
    expect(store.entries().length).toBe(1);
    store.expire(read + 60_000);
    expect(store.entries()).toEqual([]);
    expect(existsSync(join(dir, `${key}.jwt`))).toBe(false);
    expect(store.load(key).ok).toBe(false);
  });

  test("without a ttl: at the JWT's exp, and never without one", () => {
    const dir = tempDir("nats-bun-store-");
    const store = new DirStore(dir, Infinity, false, false);
    const expiring = createAccount().getPublicKey();
    const forever = createAccount().getPublicKey();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    store.save(expiring, fakeJwt({ exp }));
    store.save(forever, fakeJwt({}));
    store.expire(exp * 1000 - 1);
    expect(store.entries().length).toBe(2);
    store.expire(exp * 1000);
    expect(store.entries().map(([k]) => k)).toEqual([forever]);
    expect(existsSync(join(dir, `${expiring}.jwt`))).toBe(false);
    store.expire(Number.MAX_SAFE_INTEGER);
    expect(store.entries().map(([k]) => k)).toEqual([forever]);
  });

  test("files found at start are tracked as if written then", () => {
    const dir = tempDir("nats-bun-store-");
    const key = createAccount().getPublicKey();
    new DirStore(dir, 10, true, true).save(key, fakeJwt({}));
    const store = new DirStore(dir, 10, true, true, 1000);
    store.expire(Date.now() + 1000);
    expect(store.entries()).toEqual([]);
  });
});
