// An operator-mode world minted with @nats-io/jwt: an operator (with a
// signing key), a system account, accounts with exports, imports, signing
// keys, a scoped signing key and revocations, an account of another operator,
// and users of every kind the tests connect as. `conf()` writes the operator
// JWT and a MEMORY resolver config that both servers start from.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Algorithms,
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeActivation,
  encodeOperator,
  encodeUser,
  fmtCreds,
  newScopedSigner,
  type Account,
  type KeyPair,
  type User,
} from "@nats-io/jwt";
import { fromSeed } from "@nats-io/nkeys";
import { tempDir } from "../helpers/conf.ts";

export const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

export interface TestUser {
  jwt: string;
  seed: string;
  key: string;
}

/** Signs the INFO nonce the way clients do: ed25519 over its ASCII bytes, base64url. */
export function signNonce(seed: string, nonce: string): string {
  const kp = fromSeed(new TextEncoder().encode(seed));
  return Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString("base64url");
}

export function creds(u: TestUser): Uint8Array {
  return fmtCreds(u.jwt, fromSeed(new TextEncoder().encode(u.seed)) as never);
}

/** "HH:MM:SS" (UTC) of a unix time. */
export function clock(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(11, 19);
}

async function user(name: string, account: KeyPair, data: Partial<User> = {}, opts: Record<string, unknown> = {}): Promise<TestUser> {
  const kp = createUser();
  const jwt = await encodeUser(name, kp, account, data, opts);
  return { jwt, seed: new TextDecoder().decode(kp.getSeed()), key: kp.getPublicKey() };
}

/** A user of one of the world's accounts, minted now (for JWTs that must not age before the test runs). */
export async function mintUser(w: World, account: "a", opts: Record<string, unknown>, data: Record<string, unknown> = {}): Promise<TestUser> {
  return user("late", w.accountKeys[account]!, data as Partial<User>, opts);
}

/** An account of the world's operator that expires `seconds` from now (a new one, or `acc` again), and a user of it. */
export async function mintExpiringAccount(
  w: World,
  seconds: number,
  acc: KeyPair = createAccount(),
): Promise<{ jwt: { key: string; token: string }; user: TestUser; account: KeyPair }> {
  const token = await encodeAccount("D", acc, { limits: UNLIMITED }, { signer: w.operatorKey, exp: Math.floor(Date.now() / 1000) + seconds });
  return { jwt: { key: acc.getPublicKey(), token }, user: await user("d", acc), account: acc };
}

export interface World {
  operatorKey: KeyPair;
  /** Account key pairs, for minting more users. */
  accountKeys: Record<string, KeyPair>;
  /** What the account JWTs of a, b and c were minted from, to mint changed ones. */
  accountData: Record<"a" | "b" | "c", Partial<Account>>;
  /** The operator's signing key (signed b), c's signing key and c's scoped one. */
  signerKeys: Record<"operator" | "c" | "cScope", KeyPair>;
  operator: string;
  /** Account public keys. */
  keys: Record<"sys" | "a" | "b" | "c" | "untrusted" | "unknown", string>;
  users: Record<string, TestUser>;
  preload: Record<string, string>;
  /** The config (in its own directory, with op.jwt beside it); `more` adds account JWTs to the preload. */
  conf(extra?: string, more?: Record<string, string>): string;
}

export async function mintWorld(): Promise<World> {
  const now = Math.floor(Date.now() / 1000);
  const op = createOperator();
  const opSigner = createOperator();
  const sys = createAccount();
  const a = createAccount();
  const b = createAccount();
  const c = createAccount();
  const cSigner = createAccount();
  const cScope = createAccount();
  const untrusted = createAccount();
  const unknown = createAccount();

  const operator = await encodeOperator("OP", op, { system_account: sys.getPublicKey(), signing_keys: [opSigner.getPublicKey()] });

  const revoked = createUser();
  const revokedLater = createUser();
  const sysJwt = await encodeAccount("SYS", sys, { limits: UNLIMITED }, { signer: op });
  const aData: Partial<Account> = {
    limits: UNLIMITED,
    exports: [
      { name: "news", subject: "news.>", type: "stream" },
      { name: "help", subject: "help.>", type: "service" },
      { name: "private", subject: "private.>", type: "service", token_req: true },
      { name: "secret", subject: "secret.>", type: "stream", token_req: true },
    ],
    revocations: { [revoked.getPublicKey()]: now + 3600, [revokedLater.getPublicKey()]: now - 3600 },
    default_permissions: { sub: { deny: ["forbidden.>"] } },
  };
  const aJwt = await encodeAccount("A", a, aData, { signer: op });
  const activation = await encodeActivation("act", b, a, "service", { subject: "private.>" });
  const expiredActivation = await encodeActivation("act", c, a, "stream", { subject: "secret.>" }, { exp: now - 10 });
  const bData: Partial<Account> = {
    limits: UNLIMITED,
    imports: [
      { name: "news", subject: "news.>", account: a.getPublicKey(), type: "stream", to: "a" },
      { name: "help", subject: "help.>", account: a.getPublicKey(), type: "service" },
      { name: "private", subject: "private.x", account: a.getPublicKey(), type: "service", token: activation },
      // token_req without a token: not imported.
      { name: "secret", subject: "secret.>", account: a.getPublicKey(), type: "stream" },
    ],
  };
  const bJwt = await encodeAccount("B", b, bData, { signer: opSigner });
  const cData: Partial<Account> = {
    limits: { ...UNLIMITED, disallow_bearer: true, conn: 2 },
    signing_keys: [
      cSigner.getPublicKey(),
      newScopedSigner(cScope, "scoped", { pub: { allow: ["c.{{name()}}.>"], deny: [] }, sub: { allow: ["c.>", "_INBOX.>"], deny: [] }, subs: 3 }),
    ],
    // An expired token: the import is not added.
    imports: [{ name: "secret", subject: "secret.>", account: a.getPublicKey(), type: "stream", token: expiredActivation }],
  };
  const cJwt = await encodeAccount("C", c, cData, { signer: op });
  const untrustedJwt = await encodeAccount("X", untrusted, { limits: UNLIMITED }, { signer: createOperator() });

  const users: Record<string, TestUser> = {
    a: await user("a", a),
    a2: await user("a2", a),
    b: await user("b", b),
    c: await user("c", c),
    sys: await user("sys", sys),
    expired: await user("expired", a, {}, { exp: now - 10 }),
    notYet: await user("notyet", a, {}, { nbf: now + 3600 }),
    bearer: await user("bearer", a, { bearer_token: true }),
    bearerC: await user("bearerC", c, { bearer_token: true }),
    bySigner: await user("bySigner", c, {}, { signer: cSigner }),
    scoped: await user("alice", c, {}, { signer: cScope, scopedUser: true }),
    scopedWithPerms: await user("bob", c, { pub: { allow: [">"] } }, { signer: cScope, scopedUser: true }),
    notASigner: await user("nope", c, {}, { signer: createAccount() }),
    unknown: await user("unknown", unknown),
    untrusted: await user("untrusted", untrusted),
    perms: await user("perms", a, {
      pub: { allow: ["allowed.>", "_INBOX.>"], deny: ["allowed.no"] },
      sub: { allow: [">"], deny: ["hidden.>"] },
      resp: { max: 1, ttl: 0 },
      subs: 2,
      payload: 8,
    }),
    src: await user("src", a, { src: ["10.0.0.0/8"] }),
    srcOk: await user("srcOk", a, { src: ["127.0.0.0/8"] }),
    wsOnly: await user("ws", a, { allowed_connection_types: ["WEBSOCKET"] }),
    noSubs: await user("nosubs", a, { subs: 0 }),
    legacy: await user("legacy", a, { sub: { allow: ["legacy.>"] } }, { algorithm: Algorithms.v1 }),
    /** Connect times: a window around now, and one that has not begun (UTC). */
    inWindow: await user("in", a, { times: [{ start: clock(now - 3600), end: clock(now + 3600) }], times_location: "UTC" } as Partial<User>),
    outOfWindow: await user("out", a, { times: [{ start: clock(now + 3600), end: clock(now + 7200) }], times_location: "UTC" } as Partial<User>),
  };
  users.revoked = {
    jwt: await encodeUser("revoked", revoked, a, {}),
    seed: new TextDecoder().decode(revoked.getSeed()),
    key: revoked.getPublicKey(),
  };
  users.revokedLater = {
    jwt: await encodeUser("revokedLater", revokedLater, a, {}),
    seed: new TextDecoder().decode(revokedLater.getSeed()),
    key: revokedLater.getPublicKey(),
  };

  const preload: Record<string, string> = {
    [sys.getPublicKey()]: sysJwt,
    [a.getPublicKey()]: aJwt,
    [b.getPublicKey()]: bJwt,
    [c.getPublicKey()]: cJwt,
    [untrusted.getPublicKey()]: untrustedJwt,
  };
  return {
    operator,
    operatorKey: op,
    accountKeys: { a, b, c, sys },
    accountData: { a: aData, b: bData, c: cData },
    signerKeys: { operator: opSigner, c: cSigner, cScope },
    keys: {
      sys: sys.getPublicKey(),
      a: a.getPublicKey(),
      b: b.getPublicKey(),
      c: c.getPublicKey(),
      untrusted: untrusted.getPublicKey(),
      unknown: unknown.getPublicKey(),
    },
    users,
    preload,
    conf(extra = "", more = {}): string {
      const dir = tempDir("nats-bun-op-");
      writeFileSync(join(dir, "op.jwt"), operator);
      const lines = Object.entries({ ...preload, ...more }).map(([k, v]) => `  ${k}: "${v}"`);
      const text = `operator: "${join(dir, "op.jwt")}"\nresolver: MEMORY\nresolver_preload {\n${lines.join("\n")}\n}\n${extra}\n`;
      const path = join(dir, "server.conf");
      writeFileSync(path, text);
      return path;
    },
  };
}
