// Routes this server dials (nats-server 2.9.10 connectToRoute,
// reConnectToRoute, processImplicitRoute): configured routes are retried
// every second (with a little jitter) forever; routes learned from gossip
// `connect_retries` times. A dialed route sends CONNECT and its INFO at once.

import type { Socket } from "bun";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { Logger } from "../server/logger.ts";
import type { SocketData } from "../server/tls.ts";
import type { RouteURL } from "./options.ts";

const CONNECT_INTERVAL = 1000;
const JITTER = 100;
const DIAL_TIMEOUT = 1000;

export interface RouteDialHost {
  readonly logger: Logger;
  readonly connectRetries: number;
  readonly shuttingDown: boolean;
  /** A dialed socket becomes a route connection (CONNECT and INFO sent). */
  solicitedRoute(s: Socket<SocketData>, url: RouteURL, explicit: boolean): Client;
}

export class RouteDialer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private attempts = 0;

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

  /** The route closed: configured ones are dialed again. */
  closed(): void {
    if (this.explicit && !this.host.shuttingDown) this.schedule(CONNECT_INTERVAL + Math.random() * JITTER);
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
    log.debug(`Trying to connect to route on ${url.host}`);
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      this.failed("i/o timeout");
    }, DIAL_TIMEOUT);
    Bun.connect<SocketData>({
      hostname: url.hostname,
      port: url.port,
      data: { client: null, upgraded: false, sniffed: null },
      socket: {
        open: (s) => {
          if (timedOut || this.stopped) {
            s.end();
            return;
          }
          clearTimeout(deadline);
          this.attempts = 0;
          s.data.client = this.host.solicitedRoute(s, url, this.explicit);
        },
        data: (s, buf) => {
          if (!s.data.upgraded) s.data.client?.read(buf);
        },
        drain: (s) => s.data.client?.flush(),
        close: (s) => s.data.client?.socketClosed(),
        error: (s, err) => {
          const c = s.data.client;
          if (c !== null) {
            log.debug(`${c.label()} - Route read error: ${err.message}`);
            c.close(ClosedReason.ReadError, false);
          }
        },
      },
    }).catch((e: Error) => {
      if (timedOut) return;
      clearTimeout(deadline);
      this.failed(e.message);
    });
  }

  private failed(why: string): void {
    this.attempts++;
    this.host.logger.debug(`Error trying to connect to route (attempt ${this.attempts}): ${why}`);
    if (!this.explicit && this.attempts > this.host.connectRetries) return;
    this.schedule(CONNECT_INTERVAL + Math.random() * JITTER);
  }
}
