// The server: listeners, connections, accounts, lifecycle. Usable as a
// library (`new Server(options)` inside a Bun program); the CLI in src/cli is
// a thin layer that adds flags, the config file and signals.

import type { Socket, TCPSocketListener } from "bun";
import { Account, GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { Client, ConnKind } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { ClientHost } from "../client/host.ts";
import { ERR } from "../protocol/errors.ts";
import { defaultOptions, type ServerOptions } from "../config/types.ts";
import { Logger } from "./logger.ts";
import { newServerId, nuid } from "./identity.ts";
import { buildInfoPrefix, clientInfoLine } from "./info.ts";
import { describeSublistImpl } from "../sublist/index.ts";
import { advertisedHostPorts, listenerUrls, removePortsFile, writePidFile, writePortsFile, type PortsInfo } from "./files.ts";
import { lameDuckClose } from "./lameduck.ts";
import { VERSION } from "./version.ts";
import { diffOptions, reloadNotice, sameValue } from "../config/reload.ts";
import { buildAuthConfig } from "../auth/config.ts";
import type { AuthConfig } from "../auth/types.ts";
import { authRequired, needsNonce, newNonce } from "../auth/authenticate.ts";
import { startAuth } from "../client/auth.ts";
import { recheckClient, syncAccounts } from "./reload-auth.ts";
import { awaitFirstBytes, buildTLSConfig, readOrSniff, upgradeClient, type SocketData, type TLSConfig } from "./tls.ts";
import { raiseListenBacklog } from "./backlog.ts";
import { connectionEvents } from "./socket.ts";
import { IdleReclaimer } from "./idle.ts";
import { lookupJwtAccount } from "../accounts/jwt-lookup.ts";
import { prepareOperator, startSystemAccount } from "./operator.ts";
import { reloadOperatorMode } from "./reload-operator.ts";
import type { SystemClient } from "./system.ts";
import { startSystemServices } from "./system-services.ts";
import { accountConnsUpdate, authErrorEvent, connectEvent, disconnectEvent, shutdownEvent, trackAccount } from "./events.ts";
import { addTraffic, newTraffic, type Traffic } from "./stats.ts";
import { logTrust } from "./trust-log.ts";
import { hostPort } from "../config/address.ts";
import { ConfigError } from "../config/errors.ts";
import { MonitorListener } from "../monitor/http.ts";
import { LeafnodeListener, type LeafListenerHost } from "../leafnode/listener.ts";
import { leafInfoLine, leafnodeURL } from "../leafnode/info.ts";
import { RouteListener, type RouteListenerHost } from "../route/listener.ts";
import { RouteDialer, type RouteDialHost } from "../route/dial.ts";
import { RouteState } from "../route/state.ts";
import { reloadCluster, type RouteReloadHost } from "../route/reload.ts";
import { compileRoutePermissions, permissionJSON } from "../route/permissions.ts";
import { isHostnameError, routeServerName, routeTLSName, startRouteTLS } from "../route/tls.ts";
import { startFirstPing } from "../client/ping.ts";
import { removeRouteSubs } from "../route/interest.ts";

import { RUNTIME_VERSION } from "./version.ts";
import { RemoteLeaf, type RemoteHost } from "../leafnode/remote.ts";
import { LeafWebsocketClientTransport, startAcceptedWebsocketLeaf } from "../leafnode/websocket.ts";
import { LeafState } from "../leafnode/state.ts";
import { unregisterLeaf } from "../leafnode/register.ts";
import { remotePermissions } from "../leafnode/permissions.ts";
import { compilePermissions, type CompiledPermissions } from "../auth/permissions.ts";
import { parseWebsocketOptions, websocketProblem, type WebsocketOptions } from "../websocket/options.ts";
import { gatewayConfigured, leafnodeProblem, parseLeafnodeOptions, type LeafnodeOptions } from "../leafnode/options.ts";
import { clusterProblem, gatewayName, parseClusterOptions, type ClusterOptions, type RouteURL } from "../route/options.ts";
import { hasAuthOverride, websocketAuth } from "../websocket/auth.ts";
import { WebsocketListener, type WebsocketHost } from "../websocket/listener.ts";
import type { WebsocketTransport } from "../websocket/transport.ts";
import type { UpgradeInfo } from "../websocket/upgrade.ts";
import type { ConnectionType } from "../auth/types.ts";
import type { Transport } from "../client/client.ts";
import type { MonitorHost } from "../monitor/host.ts";
import { ClosedConns, snapshotClosed } from "../monitor/closed-conns.ts";
import type { Subscription } from "../delivery/subscription.ts";

const MAX_PAYLOAD_WARN = 8 * 1024 * 1024;

/** The monitoring port could not be started (nats-server: "Can't start monitoring: ..."). */
export class MonitorStartError extends Error {}
/** The websocket port could not be bound (nats-server: "Unable to listen for websocket connections: ..."). */
export class WebsocketStartError extends Error {}

export class Server implements ClientHost, MonitorHost, WebsocketHost, LeafListenerHost, RemoteHost, RouteListenerHost, RouteDialHost, RouteReloadHost {
  options: ServerOptions;
  auth: AuthConfig;
  /** TLS on the client port, or null. */
  tls: TLSConfig | null;
  /** The websocket block, or null without one. */
  websocketOptions: WebsocketOptions | null;
  /** The leafnodes block, or null without one. */
  leafnodeOptions: LeafnodeOptions | null;
  /** The cluster block (with the cluster flags applied), or null without one. */
  clusterOptions: ClusterOptions | null;
  /** What WebSocket clients authenticate against (the server's auth unless the websocket block overrides it). */
  websocketAuth: AuthConfig;
  private readonly authWarnings: string[];
  readonly logger: Logger;
  readonly id: string;
  readonly accounts = new Map<string, Account>();
  readonly globalAccount: Account;
  readonly clients = new Map<number, Client>();
  /** The server's internal client in the system account; null without one (`no_system_account`, operator mode without one) and after shutdown. */
  system: SystemClient | null = null;

  /** Stats the monitoring endpoints will read. */
  totalConnections = 0;
  slowConsumers = 0;
  staleConnections = 0;
  readonly startTime = new Date();
  /** Message counters of closed connections (stats.ts adds the live ones). */
  readonly closedTraffic: Traffic = newTraffic();
  /** The last closed connections, for /connz?state=closed. */
  readonly closedConns: ClosedConns;
  /** Requests per monitoring endpoint (varz's http_req_stats). */
  readonly httpReqStats = new Map<string, number>();
  pinnedAccountFails = 0;
  /** varz's config_load_time: start, then each reload. */
  configTime = this.startTime;
  /** Route and leaf node connections: none until those are served. */
  readonly routes = new Map<number, Client>();
  /** Registered routes by the peer's server id. */
  readonly routesById = new Map<string, Client>();
  private routeListener: RouteListener | null = null;
  /** Routes this server dials, by `host:port`: configured ones and those learned from gossip. */
  private readonly dialers = new Map<string, RouteDialer>();
  /** The host name a dialed route's certificate is checked against when its URL has an IP. */
  private routeTLSName = "";
  /** The cluster name: configured, or generated when none is (2.9.10's dynamic name). */
  private dynamicClusterName = "";
  private routeInfoDynamic = false;
  /** The cluster permissions compiled, given to each route connection. */
  routePerms: CompiledPermissions | null = null;
  /** Once a peer's client URLs came (2.9.10 then keeps a list), clients are given connect_urls, if only this server's. */
  private peerURLsSeen = false;
  /** Client INFO fields after the per-connection ones: the cluster and its client URLs. */
  infoSuffix = "";
  readonly leafs = new Map<number, Client>();
  private monitor: MonitorListener | null = null;
  private leafListener: LeafnodeListener | null = null;
  private readonly remotes: RemoteLeaf[] = [];
  /** Stops the system account's timers (STATSZ). */
  private stopSystemServices: (() => void) | null = null;

  /** The INFO JSON up to client-specific fields; rebuilt when options change. */
  infoPrefix = "";
  /** The same for WebSocket clients (auth_required may differ). */
  wsInfoPrefix = "";
  private websocket: WebsocketListener | null = null;
  private listener: TCPSocketListener<SocketData> | null = null;
  /** Gives memory back once traffic stops (see idle.ts). */
  readonly idle = new IdleReclaimer(() => this.clients.values());
  private nextCid = 1;
  shuttingDown = false;
  lameDuck = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(options: Partial<ServerOptions> = {}, logger?: Logger) {
    this.options = { ...defaultOptions(), ...options };
    this.logger = logger ?? new Logger(this.options);
    this.id = newServerId();
    this.tls = buildTLSConfig(this.options.tls);
    this.closedConns = new ClosedConns(this.options.maxClosedClients);
    const built = buildAuthConfig(this.options);
    this.auth = built.auth;
    this.authWarnings = built.warnings;
    this.websocketOptions = parseWebsocketOptions(this.options);
    this.leafnodeOptions = parseLeafnodeOptions(this.options, this.authWarnings);
    this.clusterOptions = parseClusterOptions(this.options, this.authWarnings);
    this.routePerms = compileRoutePermissions(this.clusterOptions?.permissions ?? null);
    const operators = this.options.trust?.operators ?? [];
    const leafProblem = leafnodeProblem(this.leafnodeOptions, {
      accounts: this.auth.accounts.keys(),
      operatorMode: operators.length > 0,
      systemAccountConfigured: (this.options.systemAccount || operators[0]?.claims.nats.system_account || "") !== "",
      gateway: gatewayConfigured(this.options.gateway),
    });
    if (leafProblem !== null) throw new ConfigError([leafProblem]);
    const clusterErr = clusterProblem(this.clusterOptions, gatewayName(this.options.gateway));
    if (clusterErr !== null) throw new ConfigError([clusterErr]);
    const wsProblem = websocketProblem(this.websocketOptions, [...this.auth.users.keys()], this.auth.nkeys.size > 0, this.auth.trust !== undefined);
    if (wsProblem !== null) throw new ConfigError([wsProblem]);
    this.websocketAuth = this.websocketOptions === null ? this.auth : websocketAuth(this.auth, this.websocketOptions);
    this.globalAccount = this.accountFor(GLOBAL_ACCOUNT);
    syncAccounts(this, this.auth);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get name(): string {
    return this.options.serverName ?? this.id;
  }
  /** The account of that name, created on first use. */
  accountFor(name: string): Account {
    let a = this.accounts.get(name);
    if (a === undefined) {
      a = new Account(name, { cache: !this.options.disableSublistCache, impl: this.options.sublistImpl });
      this.accounts.set(name, a);
      a.routes = this.routes;
      if (this.system !== null) trackAccount(this.system, a, this.id);
      // Once routing runs, a new account's interest is counted from its first subscription.
      if (this.routeListener !== null) a.routeMap = new Map();
    }
    return a;
  }

  /** Operator mode: the account of that public key, loaded from its JWT on first use (later from a URL resolver). */
  jwtAccount(name: string): Account | string | Promise<Account | string> {
    return lookupJwtAccount(this, name);
  }

  /**
   * What must happen before start() and may take a while: operator mode's
   * URL resolver must answer (throws ConfigError if not) and the system
   * account is fetched from it. Nothing to do otherwise.
   */
  async prepare(): Promise<void> {
    await prepareOperator(this);
  }

  get authRequired(): boolean {
    return authRequired(this.auth);
  }
  /** The auth configuration a connection is checked against (WebSocket clients may have their own). */
  authFor(c: Client): AuthConfig {
    return c.connectionType === "WEBSOCKET" ? this.websocketAuth : this.auth;
  }

  get headersSupported(): boolean {
    return !this.options.noHeaderSupport;
  }
  /** The port actually listened on (after `-p -1`). */
  get port(): number {
    return this.listener?.port ?? this.options.port;
  }
  /** The websocket port actually listened on (0 without one). */
  get clusterName(): string {
    return this.clusterOptions?.name || this.dynamicClusterName;
  }
  get clusterDynamic(): boolean {
    return this.clusterOptions?.name === "";
  }
  /** 2.9.10's setClusterName after a peer's name won: the other routes close (they joined under the old name). */
  adoptClusterName(name: string, configured: boolean, keep: Client): void {
    if (configured) this.clusterOptions!.name = name;
    else this.dynamicClusterName = name;
    this.clusterRenamed(name);
    for (const r of [...this.routes.values()]) if (r !== keep) r.close(ClosedReason.ClusterNameConflict);
  }
  /** 2.9.10's setClusterName: clients are told the name, leaf connections this server dialed close (they carry the old one). */
  clusterRenamed(name: string): void {
    this.buildInfoSuffix();
    for (const l of [...this.leafs.values()]) if (l.leaf!.remote !== null) l.close(ClosedReason.ClusterNameConflict);
    this.logger.notice(`Cluster name updated to ${name}`);
  }
  get routePort(): number {
    return this.routeListener?.port ?? 0;
  }
  get connectRetries(): number {
    return this.clusterOptions?.connectRetries ?? 0;
  }
  get routeCredentials(): { user: string; password: string } | null {
    const a = this.clusterOptions?.authorization;
    return a === undefined || a.user === "" ? null : { user: a.user, password: a.password };
  }

  /** The INFO on route connections (2.9.10's routeInfo), with a nonce for a new connection. */
  routeInfoLine(withNonce: boolean, ldm = false): string {
    const co = this.clusterOptions!;
    const info: Record<string, unknown> = {
      server_id: this.id,
      server_name: this.name,
      version: VERSION,
      proto: 2,
      go: RUNTIME_VERSION,
      host: co.host,
      port: this.routePort,
      headers: this.headersSupported,
    };
    if (co.authorization.user !== "") info.auth_required = true;
    // Routes always verify the peer's certificate.
    if (co.tls !== null) {
      info.tls_required = true;
      info.tls_verify = true;
    }
    info.max_payload = this.options.maxPayload;
    if (co.advertise !== "") info.ip = `nats-route://${co.advertise}/`;
    if (withNonce) info.nonce = newNonce();
    info.cluster = this.clusterName;
    // As 2.9.10's route INFO, fixed when routing starts even if the name is adopted later.
    if (this.routeInfoDynamic) info.cluster_dynamic = true;
    if (!co.noAdvertise) {
      info.connect_urls = advertisedHostPorts(this.options.host, this.port);
      if (this.websocket !== null) info.ws_connect_urls = advertisedHostPorts(this.websocket.opts.host, this.websocket.port);
    }
    if (ldm) info.ldm = true;
    if (co.permissions !== null) {
      info.import = permissionJSON(co.permissions.import);
      info.export = permissionJSON(co.permissions.export);
    }
    // Understands LS+/LS-/LMSG with a leaf node cluster on routes.
    info.lnoc = true;
    // This server's leaf node port, so peers' leaf nodes can fail over to it.
    if (this.leafListener !== null && !this.leafnodeOptions!.noAdvertise) info.leafnode_urls = [leafnodeURL(this)];
    return `INFO ${JSON.stringify(info)}\r\n`;
  }

  /** An accepted route connection. */
  acceptedRoute(s: Socket<SocketData>): Client {
    const c = this.newRoute(s, s.remoteAddress, s.remotePort, null, false, false);
    s.data = { client: c, upgraded: false, sniffed: null };
    return c;
  }

  /** A dialed route: CONNECT and INFO go out at once, or once the TLS handshake is done. */
  solicitedRoute(s: Socket<SocketData>, url: RouteURL, explicit: boolean): Client {
    const c = this.newRoute(s, s.remoteAddress, s.remotePort, url, true, explicit);
    const co = this.clusterOptions!;
    if (co.tls === null) {
      this.routeConnect(c, url);
      return c;
    }
    const serverName = routeServerName(url.hostname, this.routeTLSName);
    const forget = (e: string): void => {
      if (isHostnameError(e) && serverName === this.routeTLSName) this.routeTLSName = "";
    };
    startRouteTLS(s, c, { cfg: co.tls, timeoutMs: co.tlsTimeoutMs, serverName }, () => this.routeConnect(c, url), forget);
    return c;
  }

  private routeConnect(c: Client, url: RouteURL): void {
    const cinfo: Record<string, unknown> = { echo: true, verbose: false, pedantic: false };
    const u = url.user;
    if (u !== null) {
      cinfo.user = u.username;
      if (u.password !== null) cinfo.pass = u.password;
    }
    Object.assign(cinfo, { tls_required: this.clusterOptions!.tls !== null, headers: this.headersSupported, name: this.id, cluster: this.clusterName });
    if (this.clusterDynamic) cinfo.cluster_dynamic = true;
    cinfo.lnoc = true;
    c.sendProto(`CONNECT ${JSON.stringify(cinfo)}\r\n`);
    this.logger.debug(`${c.label()} - Route connect msg sent`);
    c.sendProto(this.routeInfoLine(false));
    c.authenticated = true;
    this.logger.notice(`${c.label()} - Route connection created`);
    // The first PING comes early, as between servers in 2.9.10: it measures the RTT.
    startFirstPing(c);
  }

  private newRoute(t: Transport, host: string, port: number, url: RouteURL | null, didSolicit: boolean, explicit: boolean): Client {
    const c = new Client(this, this.nextCid++, t, this.globalAccount, host, port, ConnKind.Route);
    c.route = new RouteState(this, url, didSolicit, explicit);
    c.route.perms = this.routePerms;
    c.opts.verbose = c.opts.pedantic = false;
    // Routes carry what their peers' clients asked for; echo is decided there.
    c.opts.echo = true;
    this.routes.set(c.cid, c);
    return c;
  }

  /** A route learned from a peer: dialed unless it is configured or connected already. */
  connectImplicitRoute(url: RouteURL): void {
    const key = url.host;
    if (this.dialers.has(key)) return;
    for (const r of this.routesById.values()) if (r.route!.url?.host === key) return;
    const d = new RouteDialer(this, url, false);
    this.dialers.set(key, d);
    d.start();
  }
  setClusterOptions(next: ClusterOptions): void {
    if (next.name === "") this.dynamicClusterName = this.clusterName;
    this.clusterOptions = { ...next, port: this.clusterOptions!.port };
    this.routePerms = compileRoutePermissions(next.permissions);
    this.buildInfoSuffix();
  }
  /** A configured route: dialed (again and again) until it is removed. */
  solicitRoute(url: RouteURL): void {
    const d = new RouteDialer(this, url, true);
    this.dialers.get(url.host)?.stop();
    this.dialers.set(url.host, d);
    d.start();
  }
  forgetRoute(url: RouteURL): void {
    this.dialers.get(url.host)?.stop();
    this.dialers.delete(url.host);
  }
  dialerDone(d: RouteDialer): void {
    if (this.dialers.get(d.url.host) === d) this.dialers.delete(d.url.host);
  }

  /** The cluster's client URLs changed: client INFO is rebuilt, and clients that take async INFO get it. */
  clientURLsChanged(): void {
    this.peerURLsSeen = true;
    this.buildInfoSuffix();
    for (const c of this.clients.values()) {
      if (c.opts.protocol >= 1 && c.firstPongSent && !c.closed) c.sendProto(clientInfoLine(this, c));
    }
  }

  private buildInfoSuffix(): void {
    const co = this.clusterOptions;
    if (co === null || co.port === 0) {
      this.infoSuffix = "";
      return;
    }
    let suffix = `,"cluster":${JSON.stringify(this.clusterName)}`;
    if (!co.noAdvertise) {
      const urls = new Set<string>();
      for (const r of this.routesById.values()) for (const u of r.route!.connectURLs) urls.add(u);
      if (urls.size > 0 || this.peerURLsSeen) suffix += `,"connect_urls":${JSON.stringify([...advertisedHostPorts(this.options.host, this.port), ...urls])}`;
    }
    this.infoSuffix = suffix;
  }

  /** After the client port, as 2.9.10 starts routing: the route port, then the configured routes. */
  private startRoutes(): void {
    const co = this.clusterOptions;
    if (co === null || co.port === 0) return;
    if (co.name === "") {
      this.dynamicClusterName = nuid();
      this.routeInfoDynamic = true;
    }
    const l = new RouteListener(this);
    l.start();
    this.routeListener = l;
    this.buildInfoSuffix();
    this.routeTLSName = routeTLSName(co.routes.map((u) => u.hostname));
    for (const url of co.routes) this.solicitRoute(url);
  }

  private routeClosed(c: Client): void {
    const route = c.route!;
    removeRouteSubs(c);
    this.routes.delete(c.cid);
    if (route.registered && this.routesById.get(route.remoteId) === c) this.routesById.delete(route.remoteId);
    addTraffic(this.closedTraffic, c);
    this.logger.notice(`${c.label()} - Router connection closed: ${c.closeReason}`);
    if (route.registered && (route.connectURLs.length > 0 || route.wsConnectURLs.length > 0)) this.clientURLsChanged();
    if (route.registered && route.leafnodeURL !== "") this.leafnodeURLsChanged();
    if (route.didSolicit && route.url !== null) this.dialers.get(route.url.host)?.closed(route.remoteId);
  }

  /** Leaf node URLs of this cluster: this server's, then those its routes' peers advertise. */
  leafnodeURLs(): string[] {
    const urls = new Set<string>();
    if (this.leafListener !== null) urls.add(leafnodeURL(this));
    for (const r of this.routesById.values()) if (r.route!.leafnodeURL !== "") urls.add(r.route!.leafnodeURL);
    return [...urls];
  }

  /** A peer's leaf node URL came or went: every leaf node connection gets an INFO with the new list (sendAsyncLeafNodeInfo). */
  leafnodeURLsChanged(): void {
    if (this.leafListener === null) return;
    const line = leafInfoLine(this, null, false);
    for (const l of this.leafs.values()) l.sendProto(line);
  }

  /** The leaf node port actually listened on (0 without one). */
  get leafnodePort(): number {
    return this.leafListener?.port ?? 0;
  }
  get reconnectIntervalMs(): number {
    return this.leafnodeOptions?.reconnectIntervalMs ?? 1000;
  }
  get websocketNoAuthUser(): string {
    return this.websocketOptions?.noAuthUser ?? "";
  }
  /** How often failed first connects and reconnects are logged as errors (connect_error_reports, reconnect_error_reports). */
  get connectErrorReports(): number {
    const v = this.options.extra.connect_error_reports;
    return typeof v === "number" && v > 0 ? v : 3600;
  }
  get reconnectErrorReports(): number {
    const v = this.options.extra.reconnect_error_reports;
    return typeof v === "number" && v > 0 ? v : 1;
  }
  /** An existing account by name (configured, or loaded from its JWT), or null. */
  lookupAccount(name: string): Account | null {
    const known = this.accounts.get(name);
    if (known !== undefined) return known;
    if (this.auth.trust === undefined) return this.auth.accounts.has(name) ? this.accountFor(name) : null;
    const a = this.jwtAccount(name);
    return a instanceof Account ? a : null;
  }
  get websocketPort(): number {
    return this.websocket?.port ?? 0;
  }
  /** The monitoring port actually listened on (0 without monitoring). */
  get monitorPort(): number {
    return this.monitor?.port ?? 0;
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
    logTrust(log, o);
    log.notice(describeSublistImpl(o.sublistImpl));
    for (const w of this.authWarnings) log.warn(w);
    for (const what of unservedFeatures(o)) log.warn(`${what} is configured but not served by this version of nats-bun`);
    if (this.auth.plaintextPasswords) log.warn("Plaintext passwords detected, use nkeys or bcrypt");
    if (o.maxPayload > MAX_PAYLOAD_WARN) {
      log.warn("Maximum payloads over 8.00 MB are generally discouraged and could lead to poor performance");
    }
    if (o.pidFile) writePidFile(o.pidFile);
    this.system = startSystemAccount(this);
    if (this.system !== null) this.stopSystemServices = startSystemServices(this.system, this);
    this.startMonitoring();
    this.startWebsocket();
    this.startLeafnodes();

    const events = connectionEvents("Client", log);
    this.listener = Bun.listen<SocketData>({
      hostname: o.host,
      port: o.port === -1 ? 0 : o.port,
      data: { client: null, upgraded: false, sniffed: null },
      socket: {
        open: (s) => this.accept(s),
        // After a TLS upgrade this side only sees ciphertext: ignore it. A
        // mixed port (allow_non_tls, which a reload cannot change) first
        // looks at the client's first bytes; other ports never pay for that.
        ...events,
        data: this.tls !== null && o.allowNonTLS ? readOrSniff : events.data,
      },
    });
    raiseListenBacklog(this.listener, "client connections", log);
    this.idle.start();
    this.buildInfo();
    log.notice(`Listening for client connections on ${hostPort(o.host, this.port)}`);
    if (o.portsFileDir) writePortsFile(o.portsFileDir, this.portsInfo());
    log.notice("Server is ready");
    this.startRoutes();
  }

  /** As 2.9.10: after the system account, before the client port, so start-up can be watched. */
  private startMonitoring(): void {
    const o = this.options;
    if (o.httpPort === 0 && o.httpsPort === 0) return;
    try {
      if (o.httpPort !== 0 && o.httpsPort !== 0) throw new Error(`can't specify both HTTP (${o.httpPort}) and HTTPs (${o.httpsPort}) ports`);
      const m = new MonitorListener(this);
      m.start();
      this.monitor = m;
    } catch (e) {
      this.shutdownEarly();
      throw new MonitorStartError((e as Error).message);
    }
  }

  /** As 2.9.10: after monitoring, before the client port. A port that cannot be bound is fatal. */
  private startWebsocket(): void {
    const ws = this.websocketOptions;
    if (ws === null || ws.port === 0) return;
    const l = new WebsocketListener(this, ws);
    try {
      l.start();
    } catch (e) {
      this.monitor?.stop();
      this.monitor = null;
      this.shutdownEarly();
      throw new WebsocketStartError((e as Error).message);
    }
    this.websocket = l;
  }

  /** After the websocket port, as 2.9.10: the leaf node port, then the remotes. */
  private startLeafnodes(): void {
    const lo = this.leafnodeOptions;
    if (lo === null) return;
    if (lo.port !== 0) {
      const l = new LeafnodeListener(this);
      l.start();
      this.leafListener = l;
    }
    const signatures = this.options.leafnodeSignatures ?? [];
    lo.remotes.forEach((ro, i) => {
      const r = new RemoteLeaf(ro, this, signatures[i] ?? null);
      this.remotes.push(r);
      r.start();
    });
  }

  /** A connection on the leaf node port. */
  acceptedLeaf(s: Socket<SocketData>): Client {
    const c = this.newLeaf(s, s.remoteAddress, s.remotePort, null);
    s.data = { client: c, upgraded: false, sniffed: null };
    c.nonce = newNonce();
    return c;
  }

  /** A leaf node connection upgraded on the websocket port; null without a leaf node port (2.9.10 refuses then). */
  acceptedWebsocketLeaf(t: WebsocketTransport, info: UpgradeInfo): Client | null {
    if ((this.leafnodeOptions?.port ?? 0) === 0) return null;
    const c = this.newLeaf(t, info.ip, info.port, null);
    c.connectionType = "LEAFNODE_WS";
    c.forwardedFor = info.forwardedFor;
    c.nonce = newNonce();
    t.client = c;
    startAcceptedWebsocketLeaf(this, c, info.compress);
    return c;
  }

  /** A connection this server dialed for a remote (TCP or WebSocket), bound to its local account. */
  solicitedLeaf(s: Socket<SocketData> | LeafWebsocketClientTransport, remote: RemoteLeaf): Client | null {
    const account = this.lookupAccount(remote.opts.localAccount);
    if (account === null) {
      this.logger.error(`Unable to lookup account ${remote.opts.localAccount} for solicited leafnode connection: ${remote.opts.localAccount} not found`);
      s.end();
      return null;
    }
    const ws = s instanceof LeafWebsocketClientTransport;
    const c = ws ? this.newLeaf(s, s.url.hostname, s.url.port, remote) : this.newLeaf(s, s.remoteAddress, s.remotePort, remote);
    if (ws) c.connectionType = "LEAFNODE_WS";
    c.bindAccount(account);
    this.logger.notice(`${c.label()} - Leafnode connection created for account: ${account.name} `);
    return c;
  }

  private newLeaf(t: Transport, host: string, port: number, remote: RemoteLeaf | null): Client {
    const c = new Client(this, this.nextCid++, t, this.globalAccount, host, port, ConnKind.Leaf);
    c.leaf = new LeafState(this, remote);
    c.connectionType = "LEAFNODE";
    // Leaf node connections are never verbose, pedantic or echoing.
    c.opts.verbose = c.opts.pedantic = c.opts.echo = false;
    c.perms = remote === null ? null : compilePermissions(remotePermissions(remote.opts));
    return c;
  }

  /** Undoes what start() did before failing. */
  private shutdownEarly(): void {
    this.stopSystemServices?.();
    this.stopSystemServices = null;
    this.system = null;
  }

  private accept(s: Socket<SocketData>): void {
    const c = this.newClient(s, s.remoteAddress, s.remotePort, "STANDARD");
    s.data = { client: c, upgraded: false, sniffed: null };
    if (!this.admit(c)) return;
    const tls = this.tls;
    if (tls !== null) {
      // INFO in plain text first, then the handshake on the same socket.
      c.flush();
      if (this.options.allowNonTLS) {
        awaitFirstBytes(s, c, tls);
        return;
      }
      upgradeClient(s, c, tls);
    }
    startAuth(c);
    c.started();
  }

  /** A WebSocket connection: a client like any other, with TLS done by its listener. */
  admitWebsocket(t: WebsocketTransport, info: UpgradeInfo): Client | null {
    const c = this.newClient(t, info.ip, info.port, "WEBSOCKET");
    c.cookieJwt = info.cookieJwt;
    c.forwardedFor = info.forwardedFor;
    t.client = c;
    if (!this.admit(c)) return null;
    startAuth(c);
    c.started();
    return c;
  }

  private newClient(t: Transport, host: string, port: number, type: ConnectionType): Client {
    const c = new Client(this, this.nextCid++, t, this.globalAccount, host, port);
    c.connectionType = type;
    return c;
  }

  /** Registers a new connection and sends INFO; false when over max_connections (it is then closed). */
  private admit(c: Client): boolean {
    this.clients.set(c.cid, c);
    this.totalConnections++;
    // As 2.9.10, which registers every new connection in the global account first.
    if (this.system !== null) accountConnsUpdate(this.system, this.globalAccount);
    if (needsNonce(this.authFor(c))) c.nonce = newNonce();
    c.sendProto(clientInfoLine(this, c));
    // The reference checks the limit after INFO, so the client reads the reason.
    const max = this.options.maxConnections;
    if (max < 0 || this.clients.size > max) {
      this.logger.error(`${c.label()} - Maximum Connections Exceeded`);
      c.sendErr(ERR.maxConnections);
      c.close(ClosedReason.MaxConnectionsExceeded);
      return false;
    }
    this.logger.debug(`${c.label()} - Client connection created`);
    return true;
  }

  /** The INFO prefixes, rebuilt when options change. */
  private buildInfo(): void {
    this.infoPrefix = buildInfoPrefix(this);
    this.wsInfoPrefix = buildInfoPrefix(this, this.websocketOptions !== null && hasAuthOverride(this.websocketOptions));
  }

  clientClosed(c: Client, subs: readonly Subscription[]): void {
    if (c.leaf !== null) {
      this.leafClosed(c, subs);
      return;
    }
    if (c.route !== null) {
      this.routeClosed(c);
      return;
    }
    this.clients.delete(c.cid);
    addTraffic(this.closedTraffic, c);
    this.closedConns.add(snapshotClosed(c, subs, Date.now()));
    if (this.system !== null && c.account !== this.globalAccount) {
      accountConnsUpdate(this.system, c.account);
      disconnectEvent(this.system, c, this.globalAccount);
    }
    this.logger.debug(`${c.label()} - Client connection closed: ${c.closeReason}`);
  }

  private leafClosed(c: Client, subs: readonly Subscription[]): void {
    const leaf = c.leaf!;
    if (leaf.timer !== null) clearTimeout(leaf.timer);
    unregisterLeaf(c);
    addTraffic(this.closedTraffic, c);
    // 2.9.10 keeps closed leaf node connections with the clients (/connz?state=closed) and reports them to the account.
    this.closedConns.add(snapshotClosed(c, subs, Date.now()));
    if (this.system !== null && c.account !== this.globalAccount) {
      accountConnsUpdate(this.system, c.account);
      disconnectEvent(this.system, c, this.globalAccount);
    }
    // An accepted connection has no account until its CONNECT passed authentication.
    const bound = leaf.solicited || c.authenticated ? c.account.name : "";
    this.logger.notice(`${c.label()} - Leafnode connection closed: ${c.closeReason} account: ${bound}`);
    if (!this.shuttingDown) leaf.remote?.closed(c);
  }

  /** The system account, for STATSZ's active accounts (2.9.10's internal client keeps it active). */
  get systemAccount(): Account | null {
    return this.system?.account ?? null;
  }

  /** A client moved to another account (authenticated, or re-checked after a reload). */
  clientRebound(c: Client, from: Account): void {
    if (this.system === null) return;
    if (from !== this.globalAccount) accountConnsUpdate(this.system, from);
    accountConnsUpdate(this.system, c.account);
  }

  leafRegistered(c: Client, asClientUser: boolean): void {
    if (this.system === null) return;
    accountConnsUpdate(this.system, c.account);
    if (asClientUser) connectEvent(this.system, c, this.globalAccount);
  }

  /** A client failed authentication (nats-server's authViolation). */
  clientAuthFailed(c: Client): void {
    if (this.system !== null) authErrorEvent(this.system, c, this.id);
  }

  /** A client passed CONNECT's authentication. */
  clientConnected(c: Client): void {
    if (this.system !== null) connectEvent(this.system, c, this.globalAccount);
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
    const { auth } = buildAuthConfig(next, { reload: true });
    const tls = buildTLSConfig(next.tls);
    if ((tls === null) !== (this.tls === null)) {
      throw new Error(`config reload not supported for TLSConfig: old=${this.tls !== null}, new=${tls !== null}`);
    }
    this.tls = tls;
    const prevCluster = this.clusterOptions;
    const nextCluster = prevCluster === null ? null : parseClusterOptions(next, []);
    this.applyOptions(next, auth);
    if (prevCluster !== null && nextCluster !== null && this.routeListener !== null) reloadCluster(this, prevCluster, nextCluster);
    this.configTime = new Date();
    for (const key of diff.changed) this.logger.notice(reloadNotice(key, next));
    this.logger.notice("Reloaded server configuration");
  }

  private applyOptions(next: ServerOptions, auth: AuthConfig): void {
    const authChanged = !sameValue(authInputs(this.options), authInputs(next));
    this.options = next;
    this.auth = auth;
    if (this.websocketOptions !== null) this.websocketAuth = websocketAuth(auth, this.websocketOptions);
    else this.websocketAuth = auth;
    // Operator mode: accounts are fetched and clients checked again on every reload, as nats-server does.
    if (auth.trust !== undefined) reloadOperatorMode(this);
    else if (authChanged) {
      syncAccounts(this, auth);
      for (const c of [...this.clients.values()]) recheckClient(c);
    }
    this.logger.configure(next);
    this.buildInfo();
    for (const c of this.clients.values()) {
      c.setLimits(next);
    }
    this.enforceMaxConnections();
    if (next.pidFile) writePidFile(next.pidFile);
    if (next.portsFileDir) writePortsFile(next.portsFileDir, this.portsInfo());
  }

  /** The listeners' URLs for the ports file (`tls://` where TLS is required, as the reference). */
  portsInfo(): PortsInfo {
    const o = this.options;
    const info: PortsInfo = { nats: listenerUrls(this.tls !== null && !o.allowNonTLS ? "tls" : "nats", o.host, this.port) };
    if (this.monitor !== null) info.monitoring = listenerUrls(this.monitor.secure ? "https" : "http", o.httpHost ?? o.host, this.monitor.port);
    if (this.websocket !== null) info.websocket = listenerUrls(this.websocket.secure ? "wss" : "ws", this.websocket.opts.host, this.websocket.port);
    return info;
  }

  /** A lowered max_connections closes clients at random until within it (reference reload.go). */
  private enforceMaxConnections(): void {
    const max = this.options.maxConnections;
    const excess = max < 0 ? this.clients.size : this.clients.size - max;
    if (excess <= 0) return;
    this.logger.notice(`Closing ${excess} existing clients due to new max_connections`);
    const all = [...this.clients.values()];
    for (let i = 0; i < excess; i++) {
      const k = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[k]] = [all[k]!, all[i]!];
      all[i]!.sendErr(ERR.maxConnections);
      all[i]!.close(ClosedReason.MaxConnectionsExceeded);
    }
  }

  /** Lame duck mode: stop accepting, then close clients over the duration. */
  async enterLameDuckMode(): Promise<void> {
    if (this.lameDuck || this.shuttingDown) return;
    this.lameDuck = true;
    this.logger.notice("Entering lame duck mode, stop accepting new clients");
    // Peers take this server's client URLs away from their clients (one INFO with ldm); 2.9.10 skips it with no clients.
    if (this.clients.size > 0) for (const r of this.routesById.values()) r.sendProto(this.routeInfoLine(false, true));
    this.listener?.stop(false);
    this.listener = null;
    await lameDuckClose(this);
    this.shutdown();
  }

  /** Closes everything. Resolves `closed`. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    // As 2.9.10's shutdownEventing: the last event, then no more (no DISCONNECTs for the clients closed below).
    if (this.system !== null) {
      this.stopSystemServices?.();
      this.system.stop();
      shutdownEvent(this.system, this.id);
      this.system = null;
      // Written now: stopping the listener below drops the sockets with what they still hold.
      for (const c of this.clients.values()) c.flush();
    }
    this.logger.notice("Initiating Shutdown...");
    this.listener?.stop(true);
    this.listener = null;
    this.monitor?.stop();
    this.monitor = null;
    this.idle.stop();
    for (const c of [...this.clients.values()]) c.close(ClosedReason.ServerShutdown);
    // After the clients: they get their close frames before Bun's own.
    this.websocket?.stop();
    this.websocket = null;
    for (const r of this.remotes) r.stop();
    for (const d of this.dialers.values()) d.stop();
    for (const r of [...this.routes.values()]) r.close(ClosedReason.ServerShutdown);
    this.routeListener?.stop();
    this.routeListener = null;
    for (const l of [...this.leafs.values()]) l.close(ClosedReason.ServerShutdown);
    this.leafListener?.stop();
    this.leafListener = null;
    if (this.options.portsFileDir) removePortsFile(this.options.portsFileDir);
    this.logger.notice("Server Exiting..");
    this.resolveDone();
  }
}

/** Configured blocks of subsystems nats-bun does not serve, so operators are told, not surprised. */
function unservedFeatures(o: ServerOptions): string[] {
  const out: string[] = [];
  if (o.gateway !== undefined) out.push("gateway");
  if (o.mqtt !== undefined) out.push("mqtt");
  if (o.jetstream !== undefined && o.jetstream !== false) out.push("jetstream");
  return out;
}

/** The options the auth configuration is built from. */
function authInputs(o: ServerOptions): unknown[] {
  return [o.authorization, o.accounts, o.noAuthUser, o.systemAccount, o.username, o.password, o.authorizationToken, o.trust];
}
