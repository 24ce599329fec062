// TLS on route connections (nats-server 2.9.10 createRoute,
// doTLSHandshake): with a `tls` block in `cluster`, both sides start the
// handshake on the bare socket, before INFO and CONNECT; certificates are
// verified both ways (getTLSConfig forces it, with ca_file as the roots for
// the peer's certificate whichever side it is on). The dialing side checks
// the URL's host name, or for an IP the first host name of the configured
// routes (routeTLSName).

import { isIP } from "node:net";
import type { Socket, SocketHandler, TLSOptions } from "bun";
import type { Client } from "../client/client.ts";
import { goTLSError } from "../client/tls-errors.ts";
import { TLS_HANDLERS, type SocketData, type TLSConfig } from "../server/tls.ts";

export interface RouteTLS {
  cfg: TLSConfig;
  timeoutMs: number;
  /** Dialing side: the name the peer's certificate must carry; null on the accepting side. */
  serverName: string | null;
}

/**
 * Starts the handshake; `onSecure` runs once it succeeded. A failure closes
 * the connection (a configured route is then dialed again); `onFailed`
 * gets Go's error text first.
 */
export function startRouteTLS(s: Socket<SocketData>, c: Client, o: RouteTLS, onSecure: () => void, onFailed?: (error: string) => void): void {
  const log = c.server.logger;
  const solicit = o.serverName !== null;
  log.debug(`${c.label()} - Starting TLS route ${solicit ? "client" : "server"} handshake`);
  // The plain socket keeps seeing ciphertext: its data handler ignores it from now on.
  s.data.upgraded = true;
  const handlers: SocketHandler<SocketData> = {
    ...TLS_HANDLERS,
    handshake(t, ok, err) {
      if (c.closed) return;
      const error = handshakeError(t, ok, err, o);
      if (error !== null) {
        onFailed?.(error);
        c.tlsHandshakeDone(error, undefined);
        return;
      }
      TLS_HANDLERS.handshake!(t, true, null);
      if (c.closed) return;
      log.debug(`${c.label()} - TLS handshake complete`);
      const st = c.tlsState!;
      log.debug(`${c.label()} - TLS version ${st.version}, cipher suite ${st.cipher}`);
      onSecure();
    },
  };
  const [, tls] = s.upgradeTLS<SocketData>({
    tls: solicit ? clientOptions(o.cfg, o.serverName!) : serverOptions(o.cfg),
    socket: handlers,
    data: { client: c, upgraded: false, sniffed: null },
  });
  c.useTLS(tls, o.timeoutMs);
}

/**
 * Go's text for a failed handshake, or null. Bun reports a certificate that
 * failed verification as a finished handshake with an error: the accepting
 * side always fails it; the dialing side only without `insecure`.
 */
function handshakeError(t: Socket<SocketData>, ok: boolean, err: Error | null, o: RouteTLS): string | null {
  if (ok && err === null) return null;
  if (o.serverName === null) {
    const e = goTLSError(err);
    return ok && e.startsWith("x509:") ? `tls: failed to verify client certificate: ${e}` : e;
  }
  if (ok && o.cfg.insecure === true) return null;
  return goTLSError(err, t.getPeerX509Certificate?.(), o.serverName);
}

function serverOptions(cfg: TLSConfig): TLSOptions {
  return { cert: cfg.cert, key: cfg.key, ca: cfg.ca, requestCert: true, rejectUnauthorized: true };
}

function clientOptions(cfg: TLSConfig, serverName: string): TLSOptions {
  return { cert: cfg.cert, key: cfg.key, ca: cfg.ca, serverName, rejectUnauthorized: cfg.insecure !== true };
}

/** The name a dialed route's certificate must carry: the URL's host, or for an IP the saved name when there is one. */
export function routeServerName(hostname: string, tlsName: string): string {
  return tlsName !== "" && isIP(hostname) !== 0 ? tlsName : hostname;
}

/** The first host name (not an IP) among configured routes (saveRouteTLSName). */
export function routeTLSName(hostnames: string[]): string {
  return hostnames.find((h) => isIP(h) === 0) ?? "";
}

/** Go's x509.HostnameError: after one, a saved name that failed is forgotten. */
export function isHostnameError(error: string): boolean {
  return /^x509: (certificate is (not )?valid for|cannot validate certificate for)/.test(error);
}
