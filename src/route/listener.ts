// The route port (nats-server 2.9.10 startRouteAcceptLoop, createRoute for
// accepted connections): the TLS handshake first with cluster tls, then
// INFO, then CONNECT (within the cluster authorization timeout when it has
// a user).

import type { Socket, TCPSocketListener } from "bun";
import type { Client } from "../client/client.ts";
import { expectConnect } from "../client/auth.ts";
import { hostPort } from "../config/address.ts";
import type { Logger } from "../server/logger.ts";
import type { SocketData } from "../server/tls.ts";
import { listenConnections } from "../server/socket.ts";
import type { ClusterOptions } from "./options.ts";
import type { RouteHost } from "./state.ts";
import { startRouteTLS } from "./tls.ts";
import { startFirstPing } from "../client/ping.ts";

const INSECURE_WARNING = "TLS certificate chain and hostname of solicited routes will not be verified. DO NOT USE IN PRODUCTION!";

export interface RouteListenerHost extends RouteHost {
  readonly logger: Logger;
  readonly clusterOptions: ClusterOptions | null;
  /** A new route connection on this socket (accepted, not yet registered). */
  acceptedRoute(s: Socket<SocketData>): Client;
}

export class RouteListener {
  private listener: TCPSocketListener<SocketData> | null = null;

  constructor(private readonly host: RouteListenerHost) {}

  get port(): number {
    return this.listener?.port ?? 0;
  }

  start(): void {
    const co = this.host.clusterOptions!;
    const log = this.host.logger;
    this.listener = listenConnections(co.host, co.port, "Route", "route connections", log, (s) => this.accept(s));
    log.notice(`Cluster name is ${this.host.clusterName}`);
    if (this.host.clusterDynamic) log.warn("Cluster name was dynamically generated, consider setting one");
    log.notice(`Listening for route connections on ${hostPort(co.host, this.port)}`);
    if (co.tls?.insecure === true) log.warn(INSECURE_WARNING);
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
  }

  private accept(s: Socket<SocketData>): void {
    const co = this.host.clusterOptions!;
    const c = this.host.acceptedRoute(s);
    if (co.tls === null) this.greet(c);
    else startRouteTLS(s, c, { cfg: co.tls, timeoutMs: co.tlsTimeoutMs, serverName: null }, () => this.greet(c));
  }

  /** INFO, and the wait for CONNECT. */
  private greet(c: Client): void {
    const host = this.host;
    const co = host.clusterOptions!;
    c.sendProto(host.routeInfoLine(true));
    if (co.authorization.user !== "") expectConnect(c, co.authorization.timeoutSec * 1000);
    host.logger.notice(`${c.label()} - Route connection created`);
    startFirstPing(c);
  }
}
