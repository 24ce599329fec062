// TLS on the client port, the NATS way: INFO goes out in plain text, then the
// server starts the handshake on the same socket (Bun's upgradeTLS). Options
// from the `tls` block (reference opts.go parseTLS, server.go TLS handshake).

import { existsSync, readFileSync } from "node:fs";
import type { Socket, SocketHandler, TLSOptions } from "bun";
import { ConfigError, located } from "../config/errors.ts";
import { posOf } from "../config/meta.ts";
import { parseGoDuration } from "../config/duration.ts";
import type { ConfMap, ConfValue } from "../config/types.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../client/closed.ts";

export interface TLSConfig {
  /** PEM contents. */
  cert: string;
  key: string;
  ca?: string;
  /** Require and verify client certificates. */
  verify: boolean;
  /** verify, and take the user from the certificate. */
  verifyAndMap: boolean;
  /** Handshake deadline (ms); default 2000. */
  timeoutMs: number;
}

const DEFAULT_TLS_TIMEOUT = 2000;

/**
 * Reads the `tls` block. Throws ConfigError (file:line:col) on a bad one.
 * `allow_non_tls` (TLS and plain clients on one port) needs the first byte
 * read before the handshake starts, which Bun's upgradeTLS cannot hand back:
 * it is refused rather than silently turned into TLS-only.
 */
export function buildTLSConfig(block: ConfMap | undefined, allowNonTLS = false): TLSConfig | null {
  if (block === undefined) return null;
  if (allowNonTLS) throw new ConfigError([located(undefined, "allow_non_tls is not supported by nats-bun yet")], []);
  const errors: string[] = [];
  const err = (key: string, reason: string): void => {
    errors.push(located(posOf(block, key), reason));
  };
  let certFile: string | undefined;
  let keyFile: string | undefined;
  let caFile: string | undefined;
  const cfg: TLSConfig = { cert: "", key: "", verify: false, verifyAndMap: false, timeoutMs: DEFAULT_TLS_TIMEOUT };
  for (const [rawKey, v] of Object.entries(block)) {
    const key = rawKey.toLowerCase();
    switch (key) {
      case "cert_file":
        if (typeof v !== "string") err(rawKey, "error parsing tls config, expected 'cert_file' to be filename");
        else certFile = v;
        break;
      case "key_file":
        if (typeof v !== "string") err(rawKey, "error parsing tls config, expected 'key_file' to be filename");
        else keyFile = v;
        break;
      case "ca_file":
        if (typeof v !== "string") err(rawKey, "error parsing tls config, expected 'ca_file' to be filename");
        else caFile = v;
        break;
      case "verify":
        if (typeof v !== "boolean") err(rawKey, "error parsing tls config, expected 'verify' to be a boolean");
        else cfg.verify = cfg.verify || v;
        break;
      case "verify_and_map":
        if (typeof v !== "boolean") err(rawKey, "error parsing tls config, expected 'verify_and_map' to be a boolean");
        else if (v) cfg.verify = cfg.verifyAndMap = true;
        break;
      case "timeout": {
        const ms = timeoutMs(v);
        if (ms === null) err(rawKey, "error parsing tls config, 'timeout' wrong type");
        else cfg.timeoutMs = ms;
        break;
      }
      // Accepted for compatibility; Bun's defaults apply.
      case "cipher_suites":
      case "curve_preferences":
      case "min_version":
      case "insecure":
      case "pinned_certs":
      case "handshake_first":
      case "connection_rate_limit":
      case "verify_cert_and_check_known_urls":
      case "cert_store":
      case "cert_match":
      case "cert_match_by":
      case "ca_certs_match":
      case "ocsp_peer":
        break;
      default:
        err(rawKey, `error parsing tls config, unknown field ["${rawKey}"]`);
    }
  }
  if (certFile === undefined) errors.push(located(undefined, "missing 'cert_file' in TLS configuration"));
  if (keyFile === undefined) errors.push(located(undefined, "missing 'key_file' in TLS configuration"));
  const read = (file: string | undefined, key: string): string => {
    if (file === undefined) return "";
    if (!existsSync(file)) {
      err(key, `error parsing X509 certificate/key pair: open ${file}: no such file or directory`);
      return "";
    }
    return readFileSync(file, "utf8");
  };
  cfg.cert = read(certFile, "cert_file");
  cfg.key = read(keyFile, "key_file");
  if (caFile !== undefined) cfg.ca = read(caFile, "ca_file");
  if (errors.length > 0) throw new ConfigError(errors, []);
  return cfg;
}

function timeoutMs(v: ConfValue): number | null {
  if (typeof v === "number") return v * 1000;
  if (typeof v === "string") {
    try {
      return parseGoDuration(v);
    } catch {
      return null;
    }
  }
  return null;
}

export interface SocketData {
  client: Client | null;
  /** The plain socket after upgradeTLS still sees ciphertext: it is ignored. */
  upgraded: boolean;
}

function tlsOptions(cfg: TLSConfig): TLSOptions {
  return {
    cert: cfg.cert,
    key: cfg.key,
    ca: cfg.ca,
    requestCert: cfg.verify,
    rejectUnauthorized: cfg.verify,
  };
}

/** Handlers of the encrypted side of an upgraded client socket. */
const TLS_HANDLERS: SocketHandler<SocketData> = {
  handshake(s, ok, err) {
    const c = s.data.client;
    if (c === null || c.closed) return;
    c.tlsHandshakeDone(ok ? null : (err?.message ?? "handshake failed"), ok ? s.getPeerX509Certificate?.() : undefined);
  },
  data(s, buf) {
    s.data.client?.read(buf);
  },
  drain(s) {
    s.data.client?.flush();
  },
  close(s) {
    s.data.client?.socketClosed();
  },
  error(s, err) {
    const c = s.data.client;
    if (c === null) return;
    c.server.logger.debug(`${c.label()} - TLS error: ${err.message}`);
    c.close(c.tlsDone ? ClosedReason.ReadError : ClosedReason.TLSHandshakeError, false);
  },
};

/**
 * After INFO was written in plain text: starts the server side of the TLS
 * handshake and moves the connection onto the encrypted socket.
 */
export function upgradeClient(s: Socket<SocketData>, c: Client, cfg: TLSConfig): void {
  s.data.upgraded = true;
  const [, tls] = s.upgradeTLS<SocketData>({
    tls: tlsOptions(cfg),
    socket: TLS_HANDLERS,
    data: { client: c, upgraded: false },
  });
  c.useTLS(tls, cfg.timeoutMs);
}
