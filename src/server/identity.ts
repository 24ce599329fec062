// The server's identity: a fresh server public nkey (`N...`) per start, as
// the reference shows in INFO and logs. Nothing is signed with it, so 32
// random bytes encoded as a server key stand in for a generated key pair
// (which costs ~9 ms of start-up in the ed25519 library).

import { randomBytes } from "node:crypto";
import { Prefix } from "@nats-io/nkeys";
import { Codec } from "@nats-io/nkeys/lib/codec";

export function newServerId(): string {
  return new TextDecoder().decode(Codec.encode(Prefix.Server, randomBytes(32)));
}
