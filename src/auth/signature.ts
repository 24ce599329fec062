// ed25519 signatures over nkeys. The key text is decoded (prefix and CRC
// checked) by @nats-io/nkeys; the verification itself runs in Bun's built-in
// crypto: measured here at ~41 µs against ~3.7 ms for the pure-JS tweetnacl
// inside nkeys, which would cap nkey logins near 250 per second.

import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { Prefix } from "@nats-io/nkeys";
import { Codec } from "@nats-io/nkeys/lib/codec";

/** DER header of an ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const KEYS_CACHED = 4096;
const keys = new Map<string, KeyObject>();

function keyObject(publicKey: string, prefix: Prefix): KeyObject {
  let k = keys.get(publicKey);
  if (k === undefined) {
    const raw = Codec.decode(prefix, new TextEncoder().encode(publicKey));
    k = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: "der", type: "spki" });
    if (keys.size >= KEYS_CACHED) keys.clear();
    keys.set(publicKey, k);
  }
  return k;
}

/** Verifies `sig` over `data` with a user public nkey (`U...`). False for any malformed input. */
export function verifyUserSignature(publicKey: string, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify(null, data, keyObject(publicKey, Prefix.User), sig);
  } catch {
    return false;
  }
}
