// The client side of TLS on a solicited leaf node connection (nats-server
// 2.9.10 leafNodeResumeConnectProcess, doTLSClientHandshake): the hub's
// INFO comes in plain text, then this side starts the handshake on the same
// socket and sends CONNECT once it is done. The hub's certificate is checked
// against the remote's ca_file (the system roots without one) and the URL's
// host name.

import type { Socket, TLSOptions } from "bun";
import type { Client } from "../client/client.ts";
import { goTLSError } from "../client/tls-errors.ts";
import { TLS_HANDLERS, type SocketData, type TLSConfig } from "../server/tls.ts";

export interface SolicitTLSOptions {
  /** The remote's tls block; null when only the hub's INFO asked for TLS. */
  cfg: TLSConfig | null;
  /** The name the hub's certificate must carry. */
  serverName: string;
  timeoutMs: number;
}

/** Starts the handshake on the dialed socket; `onSecure` runs once it succeeded (a failure closes the connection). */
export function startSolicitTLS(s: Socket<SocketData>, c: Client, o: SolicitTLSOptions, onSecure: () => void): void {
  c.server.logger.debug(`${c.label()} - Starting TLS leafnode client handshake`);
  // The plain socket keeps seeing ciphertext: its data handler ignores it from now on.
  s.data.upgraded = true;
  const [, tls] = s.upgradeTLS<SocketData>({
    tls: clientTLSOptions(o),
    socket: {
      ...TLS_HANDLERS,
      handshake(t, ok, err) {
        if (c.closed) return;
        if (!ok) {
          c.tlsHandshakeDone(goTLSError(err, t.getPeerX509Certificate?.(), o.serverName), undefined);
          return;
        }
        // With insecure, Bun reports the failed verification as the error of a finished handshake: ignored.
        TLS_HANDLERS.handshake!(t, true, null);
        if (!c.closed) onSecure();
      },
    },
    data: { client: c, upgraded: false, sniffed: null },
  });
  c.useTLS(tls, o.timeoutMs);
}

/** The client-side TLS options for a remote (also those of a wss:// dial). */
export function clientTLSOptions(o: SolicitTLSOptions): TLSOptions {
  const cfg = o.cfg;
  const opts: TLSOptions = { serverName: o.serverName, rejectUnauthorized: cfg?.insecure !== true };
  if (cfg?.ca !== undefined) opts.ca = cfg.ca;
  if (cfg !== null && cfg.cert !== "") {
    opts.cert = cfg.cert;
    opts.key = cfg.key;
  }
  return opts;
}
