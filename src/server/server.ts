// The server: listeners, connections, accounts, lifecycle. Usable as a
// library (`new Server(options)` inside a Bun program); the CLI in src/cli is
// a thin layer that adds flags, the config file and signals.

import type { Socket, TCPSocketListener } from "bun";
import { Account, GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { Client } from "../client/client.ts";
import { ClosedReason } from "../client/closed.ts";
import type { ClientHost } from "../client/host.ts";
import { ERR } from "../protocol/errors.ts";
import { defaultOptions, type ServerOptions } from "../config/types.ts";
import { Logger } from "./logger.ts";
import { newServerId } from "./identity.ts";
import { buildInfoPrefix, clientInfoLine } from "./info.ts";
import { removePortsFile, writePidFile, writePortsFile } from "./files.ts";
import { lameDuckClose } from "./lameduck.ts";
import { VERSION } from "./version.ts";
import { diffOptions, reloadNotice } from "../config/reload.ts";

const MAX_PAYLOAD_WARN = 8 * 1024 * 1024;

interface SocketData {
  client: Client | null;
}

export class Server implements ClientHost {
  options: ServerOptions;
  readonly logger: Logger;
  readonly id: string;
  readonly accounts = new Map<string, Account>();
  readonly globalAccount: Account;
  readonly clients = new Map<number, Client>();

  /** Stats the monitoring endpoints will read. */
  totalConnections = 0;
  slowConsumers = 0;
  staleConnections = 0;
  readonly startTime = new Date();

  /** The INFO JSON up to client-specific fields; rebuilt when options change. */
  infoPrefix = "";
  private listener: TCPSocketListener<SocketData> | null = null;
  private nextCid = 1;
  private shuttingDown = false;
  lameDuck = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(options: Partial<ServerOptions> = {}, logger?: Logger) {
    this.options = { ...defaultOptions(), ...options };
    this.logger = logger ?? new Logger(this.options);
    this.id = newServerId();
    this.globalAccount = new Account(GLOBAL_ACCOUNT, { cache: !this.options.disableSublistCache });
    this.accounts.set(GLOBAL_ACCOUNT, this.globalAccount);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get name(): string {
    return this.options.serverName ?? this.id;
  }
  get headersSupported(): boolean {
    return !this.options.noHeaderSupport;
  }
  /** The port actually listened on (after `-p -1`). */
  get port(): number {
    return this.listener?.port ?? this.options.port;
  }
  /** Resolves once the server has shut down. */
  get closed(): Promise<void> {
    return this.done;
  }

  /** Starts listening. Throws if the port cannot be bound. */
  start(): void {
    const o = this.options;
    const log = this.logger;
    log.notice(`Starting nats-server`);
    log.notice(`  Version:  ${VERSION}`);
    log.notice(`  Git:      [not set]`);
    log.notice(`  Name:     ${this.name}`);
    log.notice(`  ID:       ${this.id}`);
    if (o.configFile) log.notice(`Using configuration file: ${o.configFile}`);
    if (o.maxPayload > MAX_PAYLOAD_WARN) {
      log.warn("Maximum payloads over 8.00 MB are generally discouraged and could lead to poor performance");
    }
    if (o.pidFile) writePidFile(o.pidFile);

    this.listener = Bun.listen<SocketData>({
      hostname: o.host,
      port: o.port === -1 ? 0 : o.port,
      data: { client: null },
      socket: {
        open: (s) => this.accept(s),
        data: (s, buf) => s.data.client?.read(buf),
        drain: (s) => s.data.client?.flush(),
        close: (s) => s.data.client?.socketClosed(),
        error: (s, err) => {
          const c = s.data.client;
          if (c !== null) {
            log.debug(`${c.label()} - Client read error: ${err.message}`);
            c.close(ClosedReason.ReadError, false);
          }
        },
      },
    });
    this.infoPrefix = buildInfoPrefix(this);
    log.notice(`Listening for client connections on ${hostPort(o.host, this.port)}`);
    if (o.portsFileDir) writePortsFile(o.portsFileDir, o.host, this.port);
    log.notice("Server is ready");
  }

  private accept(s: Socket<SocketData>): void {
    const cid = this.nextCid++;
    const c = new Client(this, cid, s, this.globalAccount, s.remoteAddress, s.remotePort);
    s.data = { client: c };
    this.clients.set(cid, c);
    this.totalConnections++;
    c.sendProto(clientInfoLine(this, c));
    // The reference checks the limit after INFO, so the client reads the reason.
    const max = this.options.maxConnections;
    if (max < 0 || this.clients.size > max) {
      this.logger.error(`${c.label()} - Maximum Connections Exceeded`);
      c.sendErr(ERR.maxConnections);
      c.close(ClosedReason.MaxConnectionsExceeded);
      return;
    }
    this.logger.debug(`${c.label()} - Client connection created`);
    c.started();
  }

  clientClosed(c: Client): void {
    this.clients.delete(c.cid);
    this.logger.debug(`${c.label()} - Client connection closed: ${c.closeReason}`);
  }

  noteSlowConsumer(): void {
    this.slowConsumers++;
  }
  noteStaleConnection(): void {
    this.staleConnections++;
  }

  /**
   * Config reload: applies `next` if every changed option may change at
   * runtime; otherwise throws and nothing changes.
   */
  reload(next: ServerOptions): void {
    const diff = diffOptions(this.options, next);
    if (diff.error !== undefined) throw new Error(diff.error);
    this.applyOptions(next);
    for (const key of diff.changed) this.logger.notice(reloadNotice(key, next));
    this.logger.notice("Reloaded server configuration");
  }

  private applyOptions(next: ServerOptions): void {
    this.options = next;
    this.logger.configure(next);
    this.infoPrefix = buildInfoPrefix(this);
    for (const c of this.clients.values()) {
      c.parser.maxControlLine = next.maxControlLine;
      c.parser.maxPayload = next.maxPayload;
      c.trace = next.trace;
    }
    if (next.pidFile) writePidFile(next.pidFile);
    if (next.portsFileDir) writePortsFile(next.portsFileDir, next.host, this.port);
  }

  /** Lame duck mode: stop accepting, then close clients over the duration. */
  async enterLameDuckMode(): Promise<void> {
    if (this.lameDuck || this.shuttingDown) return;
    this.lameDuck = true;
    this.logger.notice("Entering lame duck mode, stop accepting new clients");
    this.listener?.stop(false);
    this.listener = null;
    await lameDuckClose(this);
    this.shutdown();
  }

  /** Closes everything. Resolves `closed`. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.logger.notice("Initiating Shutdown...");
    this.listener?.stop(true);
    this.listener = null;
    for (const c of [...this.clients.values()]) c.close(ClosedReason.ServerShutdown);
    if (this.options.portsFileDir) removePortsFile(this.options.portsFileDir);
    this.logger.notice("Server Exiting..");
    this.resolveDone();
  }
}

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
