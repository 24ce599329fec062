// Leaf node connections over WebSocket (nats-server 2.9.10 websocket.go's
// LEAF upgrade case, createLeafNode with a websocket,
// leafNodeSolicitWSConnection). Accepting: an upgrade on a `/leafnode...`
// path of the websocket port is a leaf node connection like one on the leaf
// port (INFO first, CONNECT within the authorization timeout), minus the TLS
// upgrade, which the websocket listener already did. Soliciting: a remote
// with ws:// or wss:// URLs dials with Bun's WebSocket client and asks for
// per-message deflate with ws_compression. ws_no_masking is accepted but not
// requested: Bun's client masks every frame, and a 2.9.10 hub that agreed
// to `Nats-No-Masking` would read the masking keys as payload.

import type { WebSocket as BunWebSocket, WebSocketOptions, TLSOptions } from "bun";
import type { Client, Transport } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { ABNORMAL, closeStatus, closeText } from "../websocket/close.ts";
import { leafInfoLine } from "./info.ts";
import { awaitLeafConnect, type LeafListenerHost } from "./listener.ts";
import type { LeafURL } from "./url.ts";

/** The path prefix that makes an upgrade a leaf node connection (leafNodeWSPath). */
const LEAF_PATH = "/leafnode";

/** An accepted upgrade on a leaf path: the INFO goes out as a binary frame, then CONNECT is awaited. */
export function startAcceptedWebsocketLeaf(host: LeafListenerHost, c: Client, compress: boolean): void {
  host.logger.notice(`${c.label()} - Leafnode connection created `);
  host.logger.debug(`${c.label()} - Leafnode compression=${compress}`);
  c.sendProto(leafInfoLine(host, c, false));
  awaitLeafConnect(c, host.leafnodeOptions!);
}

/** Where a remote's URL is dialed: `/leafnode` followed by the URL's path without its leading slash, as 2.9.10. */
export function leafWebsocketURL(u: LeafURL, secure: boolean): string {
  const path = u.path.startsWith("/") ? u.path.slice(1) : u.path;
  return `${secure ? "wss" : "ws"}://${u.host}${LEAF_PATH}${path}`;
}

/** Bun's client has no drain event: a backlog is polled until it has gone down. */
const BUFFERED_MAX = 64 * 1024;
const DRAIN_POLL_MS = 5;

/** A solicited leaf node connection's side of Bun's WebSocket client. */
export class LeafWebsocketClientTransport implements Transport {
  /** Set in the open handler, before any frame is dispatched. */
  client: Client | null = null;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: BunWebSocket,
    /** The remote's URL dialed (the connection's host and port in logs: Bun's client does not tell the peer address). */
    readonly url: LeafURL,
  ) {}

  write(data: Uint8Array): number {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return -1;
    if (ws.bufferedAmount > BUFFERED_MAX) {
      this.awaitDrain();
      return 0;
    }
    // send() copies: the caller may reuse `data`.
    ws.send(data as Uint8Array<ArrayBuffer>);
    return data.length;
  }

  /** A close frame with the status of the close reason; statuses a client may not send drop the connection. */
  end(): void {
    this.stopDrain();
    const reason = this.client?.closeReason ?? null;
    const status = closeStatus(reason);
    if (status === ABNORMAL || (status > 1011 && status < 3000)) this.ws.terminate();
    else this.ws.close(status, closeText(reason));
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** The connection is gone. */
  closed(): void {
    this.stopDrain();
    this.client?.socketClosed();
  }

  private awaitDrain(): void {
    if (this.drainTimer !== null) return;
    const poll = (): void => {
      if (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount > BUFFERED_MAX / 2) {
        this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
        return;
      }
      this.drainTimer = null;
      this.client?.flush();
    };
    this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
  }

  private stopDrain(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }
}

export interface LeafWebsocketDial {
  url: LeafURL;
  /** wss:// with these options (the remote has a tls block or a wss:// URL), or null for ws://. */
  tls: TLSOptions | null;
  /** Ask for per-message deflate (ws_compression). */
  compression: boolean;
  /** How long the connection and the upgrade may take. */
  timeoutMs: number;
  /** Upgraded: the leaf connection on this transport, or null when there is none (the transport is then closed). */
  opened(t: LeafWebsocketClientTransport): Client | null;
  /** The TCP connection failed or timed out. */
  dialFailed(e: Error): void;
  /** Connected, but TLS or the upgrade failed. */
  upgradeFailed(why: string): void;
}

const enc = new TextEncoder();

/** Error codes of a connection that could not be made at all (as opposed to a failed TLS handshake or upgrade). */
const DIAL_ERRORS: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/** Dials `d.url` with Bun's WebSocket client. */
export function dialLeafWebsocket(d: LeafWebsocketDial): void {
  const options: WebSocketOptions = { perMessageDeflate: d.compression, tls: d.tls ?? undefined };
  // The DOM typing of the constructor knows neither Bun's options nor its extra methods.
  const ws = new WebSocket(leafWebsocketURL(d.url, d.tls !== null), options as unknown as string[]) as unknown as BunWebSocket;
  ws.binaryType = "nodebuffer";
  const t = new LeafWebsocketClientTransport(ws, d.url);
  let failure: Error | null = null;
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(deadline);
    return true;
  };
  const deadline = setTimeout(() => {
    if (!settle()) return;
    ws.terminate();
    d.dialFailed(new Error("i/o timeout"));
  }, d.timeoutMs);
  ws.onopen = () => {
    if (!settle()) {
      ws.terminate();
      return;
    }
    const c = d.opened(t);
    if (c === null) {
      ws.terminate();
      return;
    }
    t.client = c;
    c.server.logger.debug(`${c.label()} - Leafnode compression=${ws.extensions.includes("permessage-deflate")} masking=true`);
  };
  ws.onmessage = (e: MessageEvent) => {
    const data: unknown = e.data;
    const c = t.client;
    if (c === null) return;
    c.read(typeof data === "string" ? enc.encode(data) : (data as Uint8Array));
  };
  ws.onerror = (e: Event) => {
    const ev = e as ErrorEvent;
    failure = ev.error instanceof Error ? ev.error : new Error(ev.message || "websocket error");
  };
  ws.onclose = () => {
    if (settle()) {
      const err = failure ?? new Error("connection closed");
      const code = (err as { code?: string }).code ?? "";
      if (DIAL_ERRORS.has(code)) d.dialFailed(err);
      // A TLS failure keeps its reason; any other refusal is the reference's one text.
      else d.upgradeFailed(code === "" ? "invalid websocket connection" : err.message.replace(/^WebSocket connection to '[^']*' failed: /, ""));
      return;
    }
    const c = t.client;
    if (c !== null && failure !== null && !c.closed) {
      c.server.logger.debug(`${c.label()} - Leafnode read error: ${failure.message}`);
      c.close(ClosedReason.ReadError, false);
    }
    t.closed();
  };
}
