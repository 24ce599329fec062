// An operator-mode setup for benchmarks: an operator JWT, a system account
// and one account "A" (no limits), a MEMORY resolver config preloading both,
// and users of A (or of the system account) minted fast with node:crypto
// (@nats-io/jwt takes ~17 ms a user; this ~40 µs), as nsc issues them (jwt
// v2 claims signed by the account).
//   bun bench/jwt-mint.ts DIR    writes DIR/operator.conf and DIR/user.creds

import { createAccount, createOperator, encodeAccount, encodeOperator } from "@nats-io/jwt";
import { Prefix } from "@nats-io/nkeys";
import { Codec } from "@nats-io/nkeys/lib/codec";
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

export interface JwtUser {
  jwt: string;
  /** The user's public nkey. */
  key: string;
  /** Its private key, for signing nonces. */
  signer: KeyObject;
}

export interface JwtWorld {
  /** operator.conf: `operator`, `resolver: MEMORY` and `resolver_preload`. */
  confPath: string;
  confText: string;
  accountKey: string;
  systemKey: string;
  /** Account A's JWT again, with other claims (limits, revocations...), signed by the same operator. */
  accountJwt(nats?: Record<string, unknown>): Promise<string>;
  /** A user of account A (or of the system account). */
  mintUser(name: string, nats?: Record<string, unknown>, account?: "A" | "SYS"): JwtUser;
}

/** A private key object from an nkey seed (`S...`). */
export function signerOf(seed: Uint8Array): KeyObject {
  const raw = Codec.decodeSeed(seed).buf;
  return createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), raw]), format: "der", type: "pkcs8" });
}

/** The CONNECT signature over the INFO nonce: ed25519, base64url. */
export function signNonce(nonce: string, key: KeyObject): string {
  return sign(null, new TextEncoder().encode(nonce), key).toString("base64url");
}

const b64json = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
const HEADER = b64json({ typ: "JWT", alg: "ed25519-nkey" });

export async function jwtWorld(dir: string): Promise<JwtWorld> {
  mkdirSync(dir, { recursive: true });
  const operator = createOperator();
  const sys = createAccount();
  const account = createAccount();
  const accountKey = account.getPublicKey();
  const accountSigner = signerOf(account.getSeed());
  const sysSigner = signerOf(sys.getSeed());
  writeFileSync(join(dir, "op.jwt"), await encodeOperator("OP", operator, { system_account: sys.getPublicKey() }));
  const accountJwt = (nats: Record<string, unknown> = {}): Promise<string> =>
    encodeAccount("A", account, { limits: UNLIMITED, ...nats }, { signer: operator });
  const confText = `operator: "${join(dir, "op.jwt")}"
resolver: MEMORY
resolver_preload {
  ${sys.getPublicKey()}: "${await encodeAccount("SYS", sys, { limits: UNLIMITED }, { signer: operator })}"
  ${accountKey}: "${await accountJwt()}"
}
`;
  const confPath = join(dir, "operator.conf");
  writeFileSync(confPath, confText);
  return {
    confPath,
    confText,
    accountKey,
    systemKey: sys.getPublicKey(),
    accountJwt,
    mintUser(name, nats = {}, which = "A") {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      const key = new TextDecoder().decode(Codec.encode(Prefix.User, publicKey.export({ format: "der", type: "spki" }).subarray(12)));
      const claims = {
        jti: randomBytes(20).toString("hex").toUpperCase(),
        iat: Math.floor(Date.now() / 1000),
        iss: which === "A" ? accountKey : sys.getPublicKey(),
        name,
        sub: key,
        nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: "user", version: 2, ...nats },
      };
      const body = `${HEADER}.${b64json(claims)}`;
      const by = which === "A" ? accountSigner : sysSigner;
      return { jwt: `${body}.${sign(null, Buffer.from(body), by).toString("base64url")}`, key, signer: privateKey };
    },
  };
}

/** A .creds file (what nsc writes, what nats.go's UserCredentials reads). */
export function credsFile(u: JwtUser): string {
  const raw = u.signer.export({ format: "der", type: "pkcs8" }).subarray(16);
  const seed = new TextDecoder().decode(Codec.encodeSeed(Prefix.User, raw));
  return `-----BEGIN NATS USER JWT-----
${u.jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------

*************************************************************
`;
}

if (import.meta.main) {
  const dir = resolve(process.argv[2] ?? "bench/jwt");
  const w = await jwtWorld(dir);
  writeFileSync(join(dir, "user.creds"), credsFile(w.mintUser("bench")), { mode: 0o600 });
  console.log(`${w.confPath}\n${join(dir, "user.creds")}`);
}
