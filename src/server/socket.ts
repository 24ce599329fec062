// What every TCP connection's socket does with Bun's events, whoever
// listened or dialed: bytes to the connection's parser (not the ciphertext a
// TLS upgrade leaves on the plain side), drain to its flush, close and
// errors to its close.

import type { SocketHandler } from "bun";
import { ClosedReason } from "../protocol/closed.ts";
import type { Logger } from "./logger.ts";
import type { SocketData } from "./tls.ts";

type ConnectionEvents = Required<Pick<SocketHandler<SocketData>, "data" | "drain" | "close" | "error">>;

/** The handlers; `kind` names the connection in the debug line of a read error ("Client", "Leafnode", "Route"). */
export function connectionEvents(kind: string, log: Logger): ConnectionEvents {
  return {
    data: (s, buf) => {
      if (!s.data.upgraded) s.data.client?.read(buf);
    },
    drain: (s) => s.data.client?.flush(),
    close: (s) => s.data.client?.socketClosed(),
    error: (s, err) => {
      const c = s.data.client;
      if (c !== null) {
        log.debug(`${c.label()} - ${kind} read error: ${err.message}`);
        c.close(ClosedReason.ReadError, false);
      }
    },
  };
}
