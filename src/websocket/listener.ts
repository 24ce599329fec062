// The WebSocket port (nats-server 2.9.10 startWebsocketServer): one
// Bun.serve whose upgraded connections become ordinary clients with a
// WebSocket transport. Bun does the framing, masking checks, ping/pong and
// close handshake, and per-message deflate when the option is on.

import type { Server as BunServer, ServerWebSocket } from "bun";
import { hostPort } from "../config/address.ts";
import type { Client } from "../client/client.ts";
import type { Logger } from "../server/logger.ts";
import type { WebsocketOptions } from "./options.ts";
import { WebsocketTransport, type WebsocketData } from "./transport.ts";
import { checkUpgrade, refusalResponse, type UpgradeInfo } from "./upgrade.ts";

export interface WebsocketHost {
  readonly logger: Logger;
  /** A new client on this transport (its `client` set before anything is sent), or null when refused and closed. */
  admitWebsocket(transport: WebsocketTransport, info: UpgradeInfo): Client | null;
  /** A new leaf node connection on this transport, or null when the server has no leaf node port. */
  acceptedWebsocketLeaf(transport: WebsocketTransport, info: UpgradeInfo): Client | null;
}

/** Incoming frames may be large (clients batch); the protocol's own limits apply after. */
const MAX_FRAME = 64 * 1024 * 1024;

const enc = new TextEncoder();

export class WebsocketListener {
  private server: BunServer<WebsocketData> | null = null;

  constructor(
    private readonly host: WebsocketHost,
    readonly opts: WebsocketOptions,
  ) {}

  get port(): number {
    return this.server?.port ?? 0;
  }

  get secure(): boolean {
    return this.opts.tls !== null;
  }

  /** Listens; throws the reason when the port cannot be bound. */
  start(): void {
    const o = this.opts;
    const tls = o.tls;
    const log = this.host.logger;
    const secure = tls !== null;
    this.server = Bun.serve<WebsocketData>({
      hostname: o.host,
      port: o.port === -1 ? 0 : o.port,
      // handshake_timeout bounds the upgrade request (TLS included), as Go's ReadTimeout.
      idleTimeout: o.handshakeTimeoutMs > 0 ? Math.min(Math.max(Math.ceil(o.handshakeTimeoutMs / 1000), 1), 255) : undefined,
      tls: tls === null ? undefined : { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.verify, rejectUnauthorized: tls.verify },
      fetch: (req, server) => {
        const peer = server.requestIP(req) ?? { address: "", port: 0 };
        const url = new URL(req.url);
        const r = checkUpgrade(req, url, o, secure, peer);
        if ("status" in r) {
          log.error(`${hostPort(peer.address, peer.port)} - websocket handshake error: ${r.reason}`);
          return refusalResponse(r);
        }
        if (server.upgrade(req, { data: { info: r, client: null } })) return undefined;
        log.error(`${hostPort(peer.address, peer.port)} - websocket handshake error: upgrade failed`);
        return refusalResponse({ status: 400, reason: "upgrade failed" });
      },
      websocket: {
        perMessageDeflate: o.compression,
        maxPayloadLength: MAX_FRAME,
        // NATS keeps its own PING/PONG and stale-connection rules.
        idleTimeout: 0,
        sendPings: false,
        open: (ws) => this.open(ws),
        message: (ws, msg) => {
          const c = ws.data.client;
          if (c !== null) c.read(typeof msg === "string" ? enc.encode(msg) : msg);
        },
        drain: (ws) => ws.data.client?.flush(),
        close: (ws) => ws.data.client?.socketClosed(),
      },
    });
    log.notice(`Listening for websocket clients on ${secure ? "wss" : "ws"}://${hostPort(o.host, this.port)}`);
    if (!secure) log.warn("Websocket not configured with TLS. DO NOT USE IN PRODUCTION!");
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }

  private open(ws: ServerWebSocket<WebsocketData>): void {
    ws.binaryType = "uint8array";
    const info = ws.data.info;
    if (info.leaf) {
      const c = this.host.acceptedWebsocketLeaf(new WebsocketTransport(ws), info);
      if (c !== null) {
        ws.data.client = c;
        return;
      }
      // As 2.9.10: no leaf node port, the upgraded connection is dropped.
      this.host.logger.error("Not configured to accept leaf node connections");
      ws.terminate();
      return;
    }
    ws.data.client = this.host.admitWebsocket(new WebsocketTransport(ws), info);
  }
}
