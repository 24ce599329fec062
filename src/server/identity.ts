// The server's identity: a fresh server public nkey (`N...`) per start, as
// the reference shows in INFO and logs. Nothing is signed with it, so 32
// random bytes encoded as a server key stand in for a generated key pair
// (which costs ~9 ms of start-up in the ed25519 library). Only the nkeys
// text helpers are loaded here: the library's entry point evaluates its
// ed25519 code, which loads node:crypto (~4 MiB, a few ms) at start-up.

import { base32 } from "@nats-io/nkeys/lib/base32";
import { crc16 } from "@nats-io/nkeys/lib/crc16";

/** The prefix byte of server keys (`N`). */
const PREFIX_SERVER = 13 << 3;

export function newServerId(): string {
  // prefix, key, CRC-16 little-endian: the nkey text layout.
  const raw = new Uint8Array(35);
  raw[0] = PREFIX_SERVER;
  crypto.getRandomValues(raw.subarray(1, 33));
  const sum = crc16.checksum(raw.subarray(0, 33));
  raw[33] = sum & 0xff;
  raw[34] = sum >>> 8;
  return new TextDecoder().decode(base32.encode(raw));
}

const NUID_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A 22-character base-62 id, as nats-server's nuid (event ids, the leaf node loop detection subject). */
export function nuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(22));
  let s = "";
  for (const x of b) s += NUID_DIGITS[x % 62];
  return s;
}
