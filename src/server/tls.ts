// TLS on the client port, the NATS way: INFO goes out in plain text, then the
// server starts the handshake on the same socket (Bun's upgradeTLS). With
// allow_non_tls the client's first bytes decide: a TLS handshake record is
// handed to upgradeTLS with those bytes, anything else is plain text. Options
// from the `tls` block (reference opts.go parseTLS, server.go createClient).

import { existsSync, readFileSync } from "node:fs";
import type { Socket, SocketHandler, TLSOptions, TLSUpgradeOptions } from "bun";
import { ConfigError, located } from "../config/errors.ts";
import { posOf } from "../config/meta.ts";
import { parseGoDuration } from "../config/duration.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { startAuth } from "../client/auth.ts";
import { tlsState } from "../client/tls.ts";
import { goTLSError } from "../client/tls-errors.ts";

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
  /** Soliciting side (leafnode remotes): skip verifying the peer's certificate. */
  insecure?: boolean;
  /** Routes: the peer's certificate must name a known route host (verify_cert_and_check_known_urls). */
  checkKnownURLs?: boolean;
}

const DEFAULT_TLS_TIMEOUT = 2000;

/**
 * How 2.9.10 reads a leafnode `tls` block (parseTLS with isClientCtx, then
 * GenTLSConfig): the certificate is optional, known-URL checks are refused,
 * and file problems are reported at `at` (the block's key), the first only.
 */
export interface LeafTLSContext {
  at: ConfPos | undefined;
  /** The cluster block reads its `tls` the same way but accepts known-URL checks. */
  knownURLs?: boolean;
}

/** Reads the `tls` block. Throws ConfigError (file:line:col) on a bad one. */
export function buildTLSConfig(block: ConfMap | undefined, leaf?: LeafTLSContext): TLSConfig | null {
  if (block === undefined) return null;
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
      case "verify_cert_and_check_known_urls":
        if (typeof v !== "boolean") err(rawKey, "error parsing tls config, expected 'verify_cert_and_check_known_urls' to be a boolean");
        else if (v && leaf !== undefined && !leaf.knownURLs) err(rawKey, "verify_cert_and_check_known_urls not supported in this context");
        else if (v) cfg.checkKnownURLs = true;
        break;
      case "insecure":
        if (typeof v !== "boolean") err(rawKey, "error parsing tls config, expected 'insecure' to be a boolean");
        else cfg.insecure = v;
        break;
      case "pinned_certs":
      case "handshake_first":
      case "connection_rate_limit":
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
  if (leaf !== undefined) return leafFiles(cfg, errors, leaf.at, certFile, keyFile, caFile);
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

/** GenTLSConfig's file stage, run only after a clean parse. */
function leafFiles(cfg: TLSConfig, errors: string[], at: ConfPos | undefined, certFile?: string, keyFile?: string, caFile?: string): TLSConfig {
  if (errors.length > 0) throw new ConfigError(errors, []);
  const fail = (reason: string): never => {
    throw new ConfigError([located(at, reason)], []);
  };
  const cert = certFile ?? "";
  const key = keyFile ?? "";
  if (cert !== "" && key === "") fail("missing 'key_file' in TLS configuration");
  if (cert === "" && key !== "") fail("missing 'cert_file' in TLS configuration");
  if (cert !== "") {
    for (const f of [cert, key]) if (!existsSync(f)) fail(`error parsing X509 certificate/key pair: open ${f}: no such file or directory`);
    cfg.cert = readFileSync(cert, "utf8");
    cfg.key = readFileSync(key, "utf8");
  }
  if (caFile !== undefined && caFile !== "") {
    if (!existsSync(caFile)) fail(`open ${caFile}: no such file or directory`);
    cfg.ca = readFileSync(caFile, "utf8");
  }
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
  /**
   * Mixed port (allow_non_tls) before TLS or plain is decided: the bytes read
   * so far, fewer than SNIFF_BYTES. null once decided, and on other ports.
   */
  sniffed: Uint8Array | null;
}

/** The record type a ClientHello travels in: a TLS client's first byte. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** The reference reads this many bytes, or waits out the TLS timeout, before it decides (server.go createClient). */
const SNIFF_BYTES = 4;
const NOTHING = new Uint8Array(0);

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
export const TLS_HANDLERS: SocketHandler<SocketData> = {
  handshake(s, ok, err) {
    handshakeDone(s, ok ? null : goTLSError(err));
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
 * With verify: Bun reports a client certificate that failed verification as
 * a finished handshake with an error (then closes the socket itself).
 */
const VERIFY_HANDLERS: SocketHandler<SocketData> = {
  ...TLS_HANDLERS,
  handshake(s, ok, err) {
    let error = ok && err === null ? null : goTLSError(err);
    if (ok && error?.startsWith("x509:")) error = `tls: failed to verify client certificate: ${error}`;
    handshakeDone(s, error);
  },
};

function handshakeDone(s: Socket<SocketData>, error: string | null): void {
  const c = s.data.client;
  if (c === null || c.closed) return;
  const cert = error === null ? s.getPeerX509Certificate?.() : undefined;
  if (error === null) c.tlsState = tlsState(s, cert);
  c.tlsHandshakeDone(error, cert);
}

/**
 * upgradeTLS's options as Bun 1.4.4 takes them. `initialData` (not in
 * bun-types) is what was already read from the socket: the TLS engine reads
 * it before the socket's next bytes. Bun's node:tls hands a server socket's
 * buffered bytes over the same way.
 */
interface UpgradeOptions extends TLSUpgradeOptions<SocketData> {
  initialData?: Uint8Array;
}

/**
 * After INFO was written in plain text: starts the server side of the TLS
 * handshake and moves the connection onto the encrypted socket. On a mixed
 * port, `initialData` is the start of the ClientHello, already read to decide.
 */
export function upgradeClient(s: Socket<SocketData>, c: Client, cfg: TLSConfig, initialData?: Uint8Array): void {
  s.data.upgraded = true;
  const options: UpgradeOptions = {
    tls: tlsOptions(cfg),
    socket: cfg.verify ? VERIFY_HANDLERS : TLS_HANDLERS,
    data: { client: c, upgraded: false, sniffed: null },
    initialData,
  };
  const [, tls] = s.upgradeTLS<SocketData>(options);
  c.useTLS(tls, cfg.timeoutMs);
}

/**
 * Mixed port (allow_non_tls), after INFO: the client's first bytes say TLS
 * (a handshake record) or plain. As the reference, authentication and the
 * keepalive start once that is decided, and a client that sends nothing
 * within the TLS timeout is plain.
 */
export function awaitFirstBytes(s: Socket<SocketData>, c: Client, cfg: TLSConfig): void {
  s.data.sniffed = NOTHING;
  c.startSniffTimer(cfg.timeoutMs, () => {
    const seen = s.data.sniffed;
    if (seen !== null) decide(s, c, seen);
  });
}

/**
 * The listener's data handler on a mixed port; other ports keep the plain
 * one. Once decided, a plain client's bytes go to the parser as they come.
 */
export function readOrSniff(s: Socket<SocketData>, buf: Uint8Array): void {
  const d = s.data;
  if (d.upgraded) return;
  const c = d.client;
  if (c === null) return;
  const seen = d.sniffed;
  if (seen === null) {
    c.read(buf);
    return;
  }
  let bytes = buf;
  if (seen.length > 0) {
    // Only a first read shorter than SNIFF_BYTES gets here.
    bytes = new Uint8Array(seen.length + buf.length);
    bytes.set(seen);
    bytes.set(buf, seen.length);
  }
  if (bytes.length < SNIFF_BYTES) d.sniffed = bytes;
  else decide(s, c, bytes);
}

/** TLS or plain, on the first bytes (none when the TLS timeout passed first). */
function decide(s: Socket<SocketData>, c: Client, bytes: Uint8Array): void {
  s.data.sniffed = null;
  c.clearTLSTimer();
  if (c.closed) return;
  const cfg = c.server.tls;
  const tls = cfg !== null && bytes.length > 0 && bytes[0] === TLS_HANDSHAKE_RECORD;
  if (tls) upgradeClient(s, c, cfg, bytes);
  startAuth(c);
  c.started();
  if (!tls && bytes.length > 0) c.read(bytes);
}
