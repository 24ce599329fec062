// The leaf node port (nats-server 2.9.10 startLeafNodeAcceptLoop,
// createLeafNode for accepted connections): INFO in plain text first (TLS
// follows when the block has tls), then CONNECT within the authorization
// timeout.

import type { Socket, TCPSocketListener } from "bun";
import type { Client } from "../client/client.ts";
import { expectConnect } from "../client/auth.ts";
import { hostPort } from "../config/address.ts";
import type { Logger } from "../server/logger.ts";
import { upgradeClient, type SocketData } from "../server/tls.ts";
import { listenConnections } from "../server/socket.ts";
import { leafInfoLine } from "./info.ts";
import type { LeafnodeOptions } from "./options.ts";
import type { LeafHost } from "./state.ts";

export interface LeafListenerHost extends LeafHost {
  readonly logger: Logger;
  /** A new leaf node connection on this socket (not yet registered). */
  acceptedLeaf(s: Socket<SocketData>): Client;
}

export class LeafnodeListener {
  private listener: TCPSocketListener<SocketData> | null = null;

  constructor(private readonly host: LeafListenerHost) {}

  get port(): number {
    return this.listener?.port ?? 0;
  }

  start(): void {
    const lo = this.host.leafnodeOptions!;
    const log = this.host.logger;
    this.listener = listenConnections(lo.host, lo.port, "Leafnode", "leafnode connections", log, (s) => this.accept(s));
    log.notice(`Listening for leafnode connections on ${hostPort(lo.host, this.port)}`);
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
  }

  private accept(s: Socket<SocketData>): void {
    const host = this.host;
    const lo = host.leafnodeOptions!;
    const c = host.acceptedLeaf(s);
    host.logger.notice(`${c.label()} - Leafnode connection created `);
    c.sendProto(leafInfoLine(host, c, false));
    if (lo.tls !== null) {
      c.flush();
      upgradeClient(s, c, { ...lo.tls, timeoutMs: lo.tlsTimeoutMs });
    }
    awaitLeafConnect(c, lo);
  }
}

/** An accepted leaf node connection (leaf port or websocket) reads nothing but CONNECT first, and within the authorization timeout. */
export function awaitLeafConnect(c: Client, lo: LeafnodeOptions): void {
  expectConnect(c, lo.authorization.timeoutSec * 1000);
  c.started();
}
