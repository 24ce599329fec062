// One `remotes` entry of the leafnodes block (nats-server 2.9.10
// leafNodeCfg, connectToRemoteLeafNode, reConnectToRemoteLeafNode): dials
// its URLs in turn (shuffled once unless no_randomize), retries every
// `reconnect` interval (longer after a loop or a permission error), reports
// failed attempts as the reference does, and holds at most one connection.

import { isIP } from "node:net";
import type { Socket } from "bun";
import type { Client } from "../client/client.ts";
import type { Logger } from "../server/logger.ts";
import type { SocketData } from "../server/tls.ts";
import { dialConnection, dialError } from "../server/socket.ts";
import type { RemoteLeafOptions } from "./options.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { checkCredentials, SignError, signWithCreds } from "./creds.ts";
import { clientTLSOptions, startSolicitTLS, type SolicitTLSOptions } from "./tls.ts";
import { dialLeafWebsocket, type LeafWebsocketClientTransport } from "./websocket.ts";
import { isSecureWebsocketURL, isWebsocketURL, parseLeafURL, type LeafURL } from "./url.ts";

/** How long a dial may take (the reference's DEFAULT_ROUTE_DIAL). */
const DIAL_TIMEOUT = 1000;
/** How long the hub has to send its INFO (DEFAULT_LEAFNODE_INFO_WAIT). */
const INFO_WAIT = 1000;

/** Signs the hub's nonce for an embedded server (instead of a .creds file): the user JWT and the raw ed25519 signature. */
export type LeafSignature = (nonce: string) => { jwt: string; sig: Uint8Array };

export interface RemoteHost {
  readonly logger: Logger;
  readonly reconnectIntervalMs: number;
  readonly connectErrorReports: number;
  readonly reconnectErrorReports: number;
  readonly systemAccount: { readonly name: string } | null;
  /** A dialed socket (or WebSocket) becomes a leaf node connection bound to the remote's account (null: the account is missing, it was closed). */
  solicitedLeaf(s: Socket<SocketData> | LeafWebsocketClientTransport, remote: RemoteLeaf): Client | null;
}

export class RemoteLeaf {
  /** Set by an error that asks for a longer wait before the next attempt (ms; 0 = the interval). */
  connectDelayMs = 0;
  /** The URLs tried in turn: those the hub's INFO listed, then the configured ones. */
  private urls: LeafURL[];
  private current: LeafURL | null = null;
  private conn: Client | null = null;
  /** The connection being set up (dialed, not registered yet). */
  private pending: Client | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private attempts = 0;
  private everConnected = false;
  /** The first user and password among the URLs, for URLs without them. */
  private readonly fallbackUser: { username: string; password: string | null } | null;
  /** The hub's INFO asked for TLS once: every later attempt uses it too (2.9.10 sets remote.TLS). */
  private hubRequiresTLS = false;
  /** The first host name (not an IP) among the URLs: the TLS server name when dialing an IP. */
  private tlsName: string;
  /** The socket of the connection being set up (upgraded to TLS after the hub's INFO). */
  private socket: Socket<SocketData> | null = null;

  constructor(
    readonly opts: RemoteLeafOptions,
    private readonly host: RemoteHost,
    private readonly signature: LeafSignature | null,
  ) {
    this.urls = [...opts.urls];
    if (!opts.noRandomize) {
      for (let i = this.urls.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [this.urls[i], this.urls[j]] = [this.urls[j]!, this.urls[i]!];
      }
    }
    this.fallbackUser = this.urls.find((u) => u.user !== null)?.user ?? null;
    this.tlsName = this.urls.find((u) => isIP(u.hostname) === 0)?.hostname ?? "";
  }

  /** TLS from a tls block, a wss:// URL or the hub's INFO. */
  get tlsRequired(): boolean {
    return this.opts.tlsRequired || this.hubRequiresTLS || this.urls.some(isSecureWebsocketURL);
  }

  /** The hub's first INFO said tls_required. */
  requireTLS(): void {
    this.hubRequiresTLS = true;
  }

  /**
   * After the hub's first INFO: the TLS handshake when TLS is required (a
   * websocket connection has done it before its upgrade), then `resume`.
   */
  secure(c: Client, resume: () => void): void {
    const s = this.socket;
    this.socket = null;
    const url = this.current;
    if (!this.tlsRequired || s === null || url === null || isWebsocketURL(url)) {
      resume();
      return;
    }
    startSolicitTLS(s, c, this.tlsOptions(url), resume);
  }

  private tlsOptions(url: LeafURL): SolicitTLSOptions {
    const serverName = isIP(url.hostname) !== 0 && this.tlsName !== "" ? this.tlsName : url.hostname;
    return { cfg: this.opts.tls, serverName, timeoutMs: this.opts.tlsTimeoutMs };
  }

  start(): void {
    const ro = this.opts;
    if (ro.credentials !== "") checkCredentials(this.host.logger, ro.credentials, ro.localAccount, ro.localAccount === this.host.systemAccount?.name);
    this.attempt();
  }

  /** No more attempts; a connection still in its handshake (not registered, so not in the server's list) is closed. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (pending !== null && !pending.closed) pending.close(ClosedReason.ServerShutdown);
  }

  /** The user and password CONNECT carries: the current URL's, or the first URL's that has one. */
  userInfo(): { username: string; password: string | null } | null {
    return this.current?.user ?? this.fallbackUser;
  }

  /** JWT and signature of the hub's nonce from the callback (first) or the .creds file; null when there is neither. */
  sign(c: Client): { jwt: string; sig: string } | null | SignError {
    const nonce = c.nonce ?? "";
    if (this.signature !== null) {
      try {
        const r = this.signature(nonce);
        return { jwt: r.jwt, sig: Buffer.from(r.sig).toString("base64url") };
      } catch (e) {
        return new SignError(`Error signing the nonce: ${(e as Error).message}`);
      }
    }
    const file = this.opts.credentials;
    if (file === "") return null;
    this.host.logger.debug(`${c.label()} - Authenticating with credentials file ${JSON.stringify(file)}`);
    return signWithCreds(file, nonce);
  }

  /** The connection is registered. */
  connected(c: Client): void {
    this.everConnected = true;
    this.attempts = 0;
    this.conn = c;
    this.pending = null;
  }

  /** The connection closed: another attempt after the interval (or the delay an error set). */
  closed(c: Client): void {
    if (this.conn === c) this.conn = null;
    if (this.pending === c) this.pending = null;
    this.socket = null;
    this.schedule(this.connectDelayMs || this.host.reconnectIntervalMs);
    this.connectDelayMs = 0;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, ms);
  }

  /**
   * The hub's INFO names the leaf node URLs of its cluster (WebSocket ones
   * for a ws:// remote): they come first from now on, then the configured
   * URLs (2.9.10 updateLeafNodeURLs), so the next attempt may go elsewhere.
   */
  learnURLs(leafURLs: unknown, wsURLs: unknown): void {
    const ws = isWebsocketURL(this.opts.urls[0]!);
    const list = ws ? wsURLs : leafURLs;
    if (!Array.isArray(list) || list.length === 0) return;
    const scheme = ws ? (this.tlsRequired ? "wss" : "ws") : "nats-leaf";
    const learned: LeafURL[] = [];
    for (const hp of list) {
      const u = typeof hp === "string" ? parseLeafURL(`${scheme}://${hp}`) : null;
      if (u === null) {
        this.host.logger.error(`Error parsing url ${JSON.stringify(String(hp))}`);
        continue;
      }
      // Configured URLs may carry a user: host and port decide.
      if (this.opts.urls.some((c) => c.host === u.host)) continue;
      learned.push(u);
      if (this.tlsName === "" && isIP(u.hostname) === 0) this.tlsName = u.hostname;
    }
    this.urls = [...learned, ...this.opts.urls];
  }

  /** The next URL: the current one moves to the end when there are several. */
  private pickNextURL(): LeafURL {
    if (this.current !== null && this.urls.length > 1 && sameURL(this.urls[0]!, this.current)) this.urls.push(this.urls.shift()!);
    this.current = this.urls[0]!;
    return this.current;
  }

  private attempt(): void {
    if (this.stopped) return;
    const url = this.pickNextURL();
    const log = this.host.logger;
    log.debug(`Trying to connect as leafnode to remote server on ${JSON.stringify(url.host)}`);
    if (isWebsocketURL(url)) {
      this.dialWebsocket(url);
      return;
    }
    dialConnection(url.hostname, url.port, url.host, DIAL_TIMEOUT, "Leafnode", log, {
      stillWanted: () => !this.stopped,
      opened: (s) => {
        const c = this.host.solicitedLeaf(s, this);
        if (c === null) {
          this.schedule(this.host.reconnectIntervalMs);
          return;
        }
        s.data.client = c;
        this.socket = s;
        this.pending = c;
        awaitInfo(c);
      },
      failed: (why) => this.failed(url, why),
      timedOut: () => this.failed(url, "i/o timeout"),
    });
  }

  /** A ws:// or wss:// URL: TLS (a tls block or any wss URL) and the upgrade come before the hub's INFO. */
  private dialWebsocket(url: LeafURL): void {
    const tls = this.tlsRequired ? clientTLSOptions(this.tlsOptions(url)) : null;
    dialLeafWebsocket({
      url,
      tls,
      compression: this.opts.wsCompression,
      timeoutMs: DIAL_TIMEOUT + INFO_WAIT + (tls !== null ? this.opts.tlsTimeoutMs : 0),
      opened: (t) => {
        if (this.stopped) return null;
        const c = this.host.solicitedLeaf(t, this);
        if (c === null) this.schedule(this.host.reconnectIntervalMs);
        else {
          this.pending = c;
          awaitInfo(c);
        }
        return c;
      },
      dialFailed: (e) => this.failed(url, dialError(url.host, e)),
      upgradeFailed: (why) => {
        this.host.logger.error(`${url.host} - Error soliciting websocket connection: ${why}`);
        this.schedule(this.host.reconnectIntervalMs);
      },
    });
  }

  private failed(url: LeafURL, why: string): void {
    this.attempts++;
    const reports = this.everConnected ? this.host.reconnectErrorReports : this.host.connectErrorReports;
    const text = `Error trying to connect as leafnode to remote server ${JSON.stringify(url.host)} (attempt ${this.attempts}): ${why}`;
    if (this.attempts === 1 || (reports > 0 && this.attempts % reports === 0)) this.host.logger.error(text);
    else this.host.logger.debug(text);
    this.schedule(this.host.reconnectIntervalMs);
  }
}

/** The hub must send its INFO soon after the connection is up. */
function awaitInfo(c: Client): void {
  c.leaf!.timer = setTimeout(() => {
    c.leaf!.timer = null;
    if (!c.leaf!.infoReceived && !c.closed) c.close(ClosedReason.ReadError);
  }, INFO_WAIT);
}

/** Go's urlsAreEqual: the same URL, whichever list it came from. */
function sameURL(a: LeafURL, b: LeafURL): boolean {
  return a === b || (a.scheme === b.scheme && a.host === b.host && a.path === b.path && a.user?.username === b.user?.username && a.user?.password === b.user?.password);
}
