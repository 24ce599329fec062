// Routes this server dials (nats-server 2.9.10 connectToRoute,
// reConnectToRoute, processImplicitRoute, client.reconnect): configured
// routes are retried every second (with a little jitter) forever; routes
// learned from gossip get `connect_retries` retries, and are dialed again
// (after a jitter) each time they close. No redial when the peer is
// connected by another route, or the route led to this server. A dialed
// route sends CONNECT and its INFO at once.

import type { Socket } from "bun";
import type { Client } from "../client/client.ts";
import type { Logger } from "../server/logger.ts";
import type { SocketData } from "../server/tls.ts";
import { dialConnection } from "../server/socket.ts";

import { redactedURL } from "../leafnode/url.ts";
import type { RouteURL } from "./options.ts";

const CONNECT_INTERVAL = 1000;
const JITTER = 100;
const DIAL_TIMEOUT = 1000;

export interface RouteDialHost {
  readonly logger: Logger;
  readonly id: string;
  readonly connectRetries: number;
  readonly connectErrorReports: number;
  readonly reconnectErrorReports: number;
  readonly shuttingDown: boolean;
  readonly routesById: ReadonlyMap<string, Client>;
  /** An implicit route gave up: it may be learned (and dialed) again. */
  dialerDone(d: RouteDialer): void;
  /** A dialed socket becomes a route connection (CONNECT and INFO sent). */
  solicitedRoute(s: Socket<SocketData>, url: RouteURL, explicit: boolean): Client;
}

export class RouteDialer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private attempts = 0;
  /** The first dial, whose failures are reported as connect (not reconnect) errors. */
  private firstConnect = true;

  constructor(
    private readonly host: RouteDialHost,
    readonly url: RouteURL,
    readonly explicit: boolean,
  ) {}

  start(delayMs = 0): void {
    this.schedule(delayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The route it made closed (`remoteId`: the peer, if known): dialed again unless connected otherwise. */
  closed(remoteId: string): void {
    const host = this.host;
    if (this.stopped || host.shuttingDown) return;
    this.firstConnect = false;
    if (remoteId !== "" && host.routesById.has(remoteId)) {
      host.logger.debug(`Not attempting reconnect for solicited route, already connected to "${remoteId}"`);
      this.giveUp();
      return;
    }
    if (remoteId === host.id) {
      host.logger.debug(`Detected route to self, ignoring ${JSON.stringify(redactedURL(this.url))}`);
      this.giveUp();
      return;
    }
    host.logger.debug(`Attempting reconnect for solicited route "${redactedURL(this.url)}"`);
    this.schedule((this.explicit ? CONNECT_INTERVAL : 0) + Math.random() * JITTER);
  }

  /** Implicit routes are forgotten (gossip may bring them back); configured ones stay until a reload removes them. */
  private giveUp(): void {
    if (!this.explicit) {
      this.stop();
      this.host.dialerDone(this);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, ms);
  }

  private attempt(): void {
    if (this.stopped || this.host.shuttingDown) return;
    const url = this.url;
    const log = this.host.logger;
    log.debug(`Trying to connect to route on ${url.host} (${url.host})`);
    dialConnection(url.hostname, url.port, url.host, DIAL_TIMEOUT, "Route", log, {
      stillWanted: () => !this.stopped,
      opened: (s) => {
        this.attempts = 0;
        s.data.client = this.host.solicitedRoute(s, url, this.explicit);
      },
      failed: (why) => this.failed(why),
      timedOut: () => this.failed(`dial tcp ${url.host}: i/o timeout`),
    });
  }

  private failed(why: string): void {
    const host = this.host;
    this.attempts++;
    const reports = this.firstConnect ? host.connectErrorReports : host.reconnectErrorReports;
    const text = `Error trying to connect to route (attempt ${this.attempts}): ${why}`;
    if (this.attempts === 1 || this.attempts % reports === 0) host.logger.error(text);
    else host.logger.debug(text);
    if (!this.explicit && this.attempts > host.connectRetries) {
      this.attempts = 0;
      this.giveUp();
      return;
    }
    this.schedule(CONNECT_INTERVAL);
  }
}
