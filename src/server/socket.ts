// What every TCP connection's socket does with Bun's events, whoever
// listened or dialed: bytes to the connection's parser (not the ciphertext a
// TLS upgrade leaves on the plain side), drain to its flush, close and
// errors to its close.

import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import { ClosedReason } from "../protocol/closed.ts";
import type { Logger } from "./logger.ts";
import type { SocketData } from "./tls.ts";
import { raiseListenBacklog } from "./backlog.ts";

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

const fresh = (): SocketData => ({ client: null, upgraded: false, sniffed: null });

/** A port for leaf node or route connections (`port` -1: any free one), with the backlog raised; `what` names it in that log line. */
export function listenConnections(
  hostname: string,
  port: number,
  kind: string,
  what: string,
  log: Logger,
  accept: (s: Socket<SocketData>) => void,
): TCPSocketListener<SocketData> {
  const listener = Bun.listen<SocketData>({
    hostname,
    port: port === -1 ? 0 : port,
    data: fresh(),
    socket: { open: accept, ...connectionEvents(kind, log) },
  });
  raiseListenBacklog(listener, what, log);
  return listener;
}

/**
 * Dials `hostname:port` for a leaf node or route connection. `opened` gets
 * the socket once connected (and not stopped meanwhile: `stillWanted`);
 * `failed` gets Go's dial error text; `timedOut` is called after `timeoutMs`
 * without a connection.
 */
export function dialConnection(
  hostname: string,
  port: number,
  /** `host:port` as the error texts name it. */
  address: string,
  timeoutMs: number,
  kind: string,
  log: Logger,
  handlers: { stillWanted(): boolean; opened(s: Socket<SocketData>): void; failed(why: string): void; timedOut(): void },
): void {
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    handlers.timedOut();
  }, timeoutMs);
  Bun.connect<SocketData>({
    hostname,
    port,
    data: fresh(),
    socket: {
      open: (s) => {
        if (timedOut || !handlers.stillWanted()) {
          s.end();
          return;
        }
        clearTimeout(deadline);
        handlers.opened(s);
      },
      ...connectionEvents(kind, log),
    },
  }).catch((e: Error) => {
    if (timedOut) return;
    clearTimeout(deadline);
    handlers.failed(dialError(address, e));
  });
}

/** Go's net.Dial error text for the usual failures. */
export function dialError(address: string, e: Error): string {
  const code = (e as { code?: string }).code ?? "";
  if (code === "ECONNREFUSED" || /refused/i.test(e.message)) return `dial tcp ${address}: connect: connection refused`;
  return `dial tcp ${address}: ${e.message}`;
}
