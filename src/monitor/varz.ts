// /varz: nats-server 2.9.10's Varz (monitor.go createVarz,
// updateVarzConfigReloadableFields, updateVarzRuntimeFields), built afresh
// per request from the options and the counters serverStats() gathers.
// Nothing secret is in it: no passwords, tokens or seeds; operator JWTs
// are public.

import { serverStats } from "../server/stats.ts";
import { infoSecurity } from "../server/info.ts";
import { goTime } from "../server/system.ts";
import { RUNTIME_VERSION, VERSION } from "../server/version.ts";
import type { ConfValue } from "../config/types.ts";
import type { OperatorClaims } from "../jwt/types.ts";
import type { RemoteLeafOptions } from "../leafnode/options.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { sortedRecord } from "./json.ts";
import { goUptime } from "./uptime.ts";

/** 2.9.10's VarzOptions has no fields. */
export type VarzOptions = Record<string, never>;

/** ClusterOptsVarz (timeouts in seconds). */
export interface ClusterVarz {
  name?: string;
  addr?: string;
  cluster_port?: number;
  auth_timeout?: number;
  urls?: string[];
  tls_timeout?: number;
  tls_required?: boolean;
  tls_verify?: boolean;
}

export interface RemoteGatewayVarz {
  name: string;
  tls_timeout?: number;
  urls?: string[];
}

/** GatewayOptsVarz: empty until gateways are served. */
export interface GatewayVarz {
  name?: string;
  host?: string;
  port?: number;
  auth_timeout?: number;
  tls_timeout?: number;
  tls_required?: boolean;
  tls_verify?: boolean;
  advertise?: string;
  connect_retries?: number;
  gateways?: RemoteGatewayVarz[];
  reject_unknown?: boolean;
}

export interface RemoteLeafVarz {
  local_account?: string;
  tls_timeout?: number;
  urls?: string[];
  deny?: { exports?: string[]; imports?: string[] };
}

/** LeafNodeOptsVarz (timeouts in seconds). */
export interface LeafVarz {
  host?: string;
  port?: number;
  auth_timeout?: number;
  tls_timeout?: number;
  tls_required?: boolean;
  tls_verify?: boolean;
  remotes?: RemoteLeafVarz[];
}

/** MQTTOptsVarz (durations in ns). */
export interface MqttVarz {
  host?: string;
  port?: number;
  no_auth_user?: string;
  auth_timeout?: number;
  tls_map?: boolean;
  tls_timeout?: number;
  tls_pinned_certs?: string[];
  js_domain?: string;
  ack_wait?: number;
  max_ack_pending?: number;
}

/** WebsocketOptsVarz (durations in ns). */
export interface WebsocketVarz {
  host?: string;
  port?: number;
  advertise?: string;
  no_auth_user?: string;
  jwt_cookie?: string;
  handshake_timeout?: number;
  auth_timeout?: number;
  no_tls?: boolean;
  tls_map?: boolean;
  tls_pinned_certs?: string[];
  same_origin?: boolean;
  allowed_origins?: string[];
  compression?: boolean;
}

/** JetStreamVarz: config, stats and meta only with JetStream running. */
export interface JetStreamVarz {
  config?: unknown;
  stats?: unknown;
  meta?: unknown;
}

/** Go's Varz, fields in its order; `?` marks omitempty. Durations in ns, timeouts in seconds. */
export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit?: string;
  go: string;
  host: string;
  port: number;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  ip?: string;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  max_connections: number;
  max_subscriptions?: number;
  ping_interval: number;
  ping_max: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  cluster: ClusterVarz;
  gateway: GatewayVarz;
  leaf: LeafVarz;
  mqtt: MqttVarz;
  websocket: WebsocketVarz;
  jetstream: JetStreamVarz;
  tls_timeout: number;
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  mem: number;
  cores: number;
  gomaxprocs: number;
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  tags?: string[];
  trusted_operators_jwt?: string[];
  trusted_operators_claim?: Record<string, unknown>[];
  system_account?: string;
  pinned_account_fails?: number;
}

const MS_TO_NS = 1e6;
/** 2.9.10's DEFAULT_MAX_CONNECTIONS: what it reports for `max_connections: 0`, which we keep as -1. */
const DEFAULT_MAX_CONNECTIONS = 64 * 1024;
const DEFAULT_TLS_TIMEOUT_MS = 2000;

/** Go's omitempty: an absent block, and defaults that only apply with a port, are left out. */
function clusterVarz(host: MonitorHost): ClusterVarz {
  const co = host.clusterOptions;
  if (co === null) return {};
  const v: ClusterVarz = {};
  if (host.clusterName !== "") v.name = host.clusterName;
  if (co.host !== "") v.addr = co.host;
  const port = host.routePort || co.port;
  if (port !== 0) v.cluster_port = port;
  if (co.authorization.timeoutSec !== 0) v.auth_timeout = co.authorization.timeoutSec;
  // The configured routes' host:port (never their credentials).
  if (co.routes.length > 0) v.urls = co.routes.map((u) => u.host);
  if (co.port !== 0 || co.tls !== null) v.tls_timeout = co.tlsTimeoutMs / 1000;
  // Routes always verify the peer's certificate.
  if (co.tls !== null) {
    v.tls_required = true;
    v.tls_verify = true;
  }
  return v;
}
// Gateways and MQTT are not served: their sections are empty, as 2.9.10
// prints them when they are not configured.
function gatewayVarz(_host: MonitorHost): GatewayVarz {
  return {};
}
/** Go's omitempty: an absent block, and defaults that only apply with a port, are left out. */
function leafVarz(host: MonitorHost): LeafVarz {
  const lo = host.leafnodeOptions;
  if (lo === null) return {};
  const v: LeafVarz = {};
  if (lo.host !== "") v.host = lo.host;
  const port = host.leafnodePort || lo.port;
  if (port !== 0) v.port = port;
  if (lo.port !== 0) v.auth_timeout = lo.authorization.timeoutSec;
  if (lo.port !== 0 || lo.tls !== null) v.tls_timeout = lo.tlsTimeoutMs / 1000;
  if (lo.tls !== null) v.tls_required = true;
  if (lo.tls?.verify) v.tls_verify = true;
  if (lo.remotes.length > 0) v.remotes = lo.remotes.map(remoteVarz);
  return v;
}
function remoteVarz(r: RemoteLeafOptions): RemoteLeafVarz {
  const v: RemoteLeafVarz = {};
  if (r.localAccount !== "") v.local_account = r.localAccount;
  if (r.tls !== null) v.tls_timeout = r.tlsTimeoutMs / 1000;
  if (r.urls.length > 0) v.urls = r.urls.map((u) => u.host);
  if (r.denyImports.length > 0 || r.denyExports.length > 0) {
    v.deny = {};
    if (r.denyExports.length > 0) v.deny.exports = r.denyExports;
    if (r.denyImports.length > 0) v.deny.imports = r.denyImports;
  }
  return v;
}
function mqttVarz(_host: MonitorHost): MqttVarz {
  return {};
}
function websocketVarz(host: MonitorHost): WebsocketVarz {
  const ws = host.websocketOptions;
  if (ws === null) return {};
  // Go's omitempty: zero values are left out.
  const v: WebsocketVarz = {};
  if (ws.host !== "") v.host = ws.host;
  const port = host.websocketPort || ws.port;
  if (port !== 0) v.port = port;
  if (ws.advertise !== "") v.advertise = ws.advertise;
  if (ws.noAuthUser !== "") v.no_auth_user = ws.noAuthUser;
  if (ws.jwtCookie !== "") v.jwt_cookie = ws.jwtCookie;
  if (ws.handshakeTimeoutMs > 0) v.handshake_timeout = ws.handshakeTimeoutMs * 1e6;
  if (ws.authTimeout !== 0) v.auth_timeout = ws.authTimeout;
  if (ws.noTls) v.no_tls = true;
  if (ws.tls?.verifyAndMap) v.tls_map = true;
  if (ws.sameOrigin) v.same_origin = true;
  if (ws.allowedOrigins.length > 0) v.allowed_origins = [...ws.allowedOrigins];
  if (ws.compression) v.compression = true;
  return v;
}
function jetStreamVarz(_host: MonitorHost): JetStreamVarz {
  return {};
}

export function varz(host: MonitorHost, _opts: VarzOptions = {}): Varz {
  const o = host.options;
  const st = serverStats(host);
  const sec = infoSecurity(host);
  const now = new Date();
  const operators = o.trust?.operators ?? [];
  const tags = serverTags(o.extra.server_tags);
  return {
    server_id: host.id,
    server_name: host.name,
    version: VERSION,
    proto: 1,
    go: RUNTIME_VERSION,
    host: o.host,
    port: host.port,
    auth_required: sec.auth_required,
    tls_required: sec.tls_required,
    tls_verify: sec.tls_verify,
    max_connections: o.maxConnections === -1 ? DEFAULT_MAX_CONNECTIONS : o.maxConnections,
    max_subscriptions: o.maxSubscriptions || undefined,
    ping_interval: o.pingInterval * MS_TO_NS,
    ping_max: o.pingMax,
    http_host: o.httpHost ?? o.host,
    http_port: o.httpPort,
    http_base_path: o.httpBasePath ?? "",
    https_port: o.httpsPort,
    auth_timeout: host.auth.timeoutMs / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: clusterVarz(host),
    gateway: gatewayVarz(host),
    leaf: leafVarz(host),
    mqtt: mqttVarz(host),
    websocket: websocketVarz(host),
    jetstream: jetStreamVarz(host),
    tls_timeout: (host.tls?.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS) / 1000,
    write_deadline: o.writeDeadline * MS_TO_NS,
    start: goTime(host.startTime),
    now: goTime(now),
    uptime: goUptime(now.getTime() - host.startTime.getTime()),
    mem: st.mem,
    cores: st.cores,
    gomaxprocs: st.cores,
    cpu: st.cpu,
    connections: st.connections,
    total_connections: st.total_connections,
    routes: [...host.routes.values()].filter((r) => r.route!.registered).length,
    remotes: new Set([...host.routes.values()].filter((r) => r.route!.registered).map((r) => r.route!.remoteId)).size,
    leafnodes: host.leafs.size,
    in_msgs: st.received.msgs,
    out_msgs: st.sent.msgs,
    in_bytes: st.received.bytes,
    out_bytes: st.sent.bytes,
    slow_consumers: st.slow_consumers,
    subscriptions: st.subscriptions,
    http_req_stats: sortedRecord(host.httpReqStats),
    config_load_time: goTime(host.configTime),
    tags: tags.length > 0 ? tags : undefined,
    trusted_operators_jwt: operators.length > 0 ? operators.map((op) => op.jwt) : undefined,
    trusted_operators_claim: operators.length > 0 ? operators.map((op) => goOperatorClaims(op.claims)) : undefined,
    system_account: host.systemAccount?.name,
    pinned_account_fails: host.pinnedAccountFails || undefined,
  };
}

/** `server_tags` as 2.9.10's jwt.TagList keeps them: trimmed, lower case, no duplicates or empties. */
function serverTags(v: ConfValue | undefined): string[] {
  const raw = typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  const tags: string[] = [];
  for (const t of raw) {
    const tag = t.trim().toLowerCase();
    if (tag !== "" && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/** Go's jwt.OperatorClaims as encoding/json writes it: its field order, every field omitempty. */
function goOperatorClaims(c: OperatorClaims): Record<string, unknown> {
  const n = c.nats;
  const nats = nonEmpty({
    signing_keys: n.signing_keys,
    account_server_url: n.account_server_url,
    operator_service_urls: n.operator_service_urls,
    system_account: n.system_account,
    assert_server_version: n.assert_server_version,
    strict_signing_key_usage: n.strict_signing_key_usage,
    tags: n.tags,
    type: n.type,
    version: n.version,
  });
  return nonEmpty({ aud: c.aud, exp: c.exp, jti: c.jti, iat: c.iat, iss: c.iss, name: c.name, nbf: c.nbf, sub: c.sub, nats });
}

/** The entries Go's omitempty keeps (a struct, like `nats`, always stays). */
function nonEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const empty = (v: unknown): boolean => v === undefined || v === "" || v === 0 || v === false || (Array.isArray(v) && v.length === 0);
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !empty(v)));
}

export function varzQuery(_q: URLSearchParams): VarzOptions {
  return {};
}

/** 2.9.10's HTTP /varz keeps the tags of its first answer: createVarz sets them and a reload does not refresh them. */
const firstTags = new WeakMap<MonitorHost, string[] | undefined>();

/** Counted before it is built, so the answer includes itself (as 2.9.10). */
export const handleVarz: EndpointHandler = (req) => {
  req.count();
  const v = varz(req.host, varzQuery(req.query));
  if (firstTags.has(req.host)) v.tags = firstTags.get(req.host);
  else firstTags.set(req.host, v.tags);
  return jsonReply(req, v);
};
