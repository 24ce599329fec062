// The server's identity: a fresh server nkey per start, as the reference does.

import { createServer } from "@nats-io/nkeys";

export function newServerId(): string {
  return createServer().getPublicKey();
}
