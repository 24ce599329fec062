// What a config reload (SIGHUP) may change, after nats-server's
// diffOptions: any changed option that cannot be applied at runtime fails the
// whole reload with `config reload not supported for <GoField>: old=.., new=..`.

import { parseListen } from "./address.ts";
import { formatGoDuration } from "./duration.ts";
import { isMap } from "./field.ts";
import type { ConfMap, ConfValue, ServerOptions } from "./types.ts";
import type { TrustOptions } from "../auth/types.ts";
import { operatorClaimsString } from "../jwt/claims-string.ts";

export interface OptionsDiff {
  /** Conf key names of the options that changed and can be applied. */
  changed: string[];
  /** Set when the reload must be refused; nothing should then change. */
  error?: string;
}

type Field = keyof ServerOptions;
type Value = ServerOptions[Field];

/** Options applied at runtime, by the conf key they are logged under. */
const RELOADABLE: Partial<Record<Field, string>> = {
  clientAdvertise: "client_advertise",
  maxPayload: "max_payload",
  maxControlLine: "max_control_line",
  maxConnections: "max_connections",
  pingInterval: "ping_interval",
  pingMax: "ping_max",
  writeDeadline: "write_deadline",
  debug: "debug",
  trace: "trace",
  traceVerbose: "trace_verbose",
  logtime: "logtime",
  logtimeUTC: "logtime_utc",
  logFile: "log_file",
  pidFile: "pid_file",
  portsFileDir: "ports_file_dir",
  username: "authorization",
  password: "authorization",
  authorizationToken: "authorization",
  authorization: "authorization",
  accounts: "accounts",
  tls: "tls",
};

/** Go Options field names, for the refusal message. */
const GO_NAMES: Partial<Record<Field, string>> = {
  host: "Host",
  port: "Port",
  serverName: "ServerName",
  maxPending: "MaxPending",
  maxSubscriptions: "MaxSubs",
  maxSubTokens: "MaxSubTokens",
  lameDuckDuration: "LameDuckDuration",
  lameDuckGracePeriod: "LameDuckGracePeriod",
  noHeaderSupport: "NoHeaderSupport",
  disableSublistCache: "NoSublistCache",
  maxClosedClients: "MaxClosedClients",
  httpHost: "HTTPHost",
  httpPort: "HTTPPort",
  httpsPort: "HTTPSPort",
  httpBasePath: "HTTPBasePath",
  noSystemAccount: "NoSystemAccount",
  allowNonTLS: "AllowNonTLS",
};

const BLOCK_KEYS = new Set(["authorization", "accounts", "tls"]);
const DURATIONS = new Set<Field>(["pingInterval", "writeDeadline", "lameDuckDuration", "lameDuckGracePeriod"]);

/** `extra` keys applied at runtime, by the key they are logged under. */
const EXTRA_RELOADABLE: Record<string, string> = {
  syslog: "syslog",
  remote_syslog: "remote_syslog",
  trace_headers: "trace_headers",
  max_traced_msg_len: "max_traced_msg_len",
  connect_error_reports: "connect_error_reports",
  reconnect_error_reports: "reconnect_error_reports",
  default_sentinel: "default_sentinel",
  server_tags: "server_tags",
  server_metadata: "server_metadata",
  ocsp: "ocsp",
  ocsp_cache: "ocsp_cache",
  no_fast_producer_stall: "no_fast_producer_stall",
  proxies: "proxies",
  prof_block_rate: "prof_block_rate",
  resolver_tls: "accounts",
  mappings: "accounts",
};

const EXTRA_GO_NAMES: Record<string, string> = {
  log_size_limit: "LogSizeLimit",
  log_max_num: "LogMaxFiles",
  prof_port: "ProfPort",
  proxy_protocol: "ProxyProtocol",
  write_timeout: "WriteTimeout",
  feature_flags: "FeatureFlags",
  default_js_domain: "JsAccDefaultDomain",
};

class Refused extends Error {}

function refuse(goName: string, oldV: unknown, newV: unknown, duration = false): never {
  const show = (v: unknown): string => (duration && typeof v === "number" ? formatGoDuration(v) : showValue(v));
  throw new Refused(`config reload not supported for ${goName}: old=${show(oldV)}, new=${show(newV)}`);
}

function showValue(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Deep equality of option values (conf trees included). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameValue((a as ConfMap)[k], (b as ConfMap)[k]));
}

/** The first key (outside `allowed`) whose value differs between two blocks. */
function firstDifference(a: Value, b: Value, allowed: string[]): string | undefined {
  const ma: ConfMap = isMap((a ?? false) as ConfValue) ? (a as ConfMap) : {};
  const mb: ConfMap = isMap((b ?? false) as ConfValue) ? (b as ConfMap) : {};
  const keys = new Set([...Object.keys(ma), ...Object.keys(mb)]);
  return [...keys].find((k) => !allowed.includes(k.toLowerCase()) && !sameValue(ma[k], mb[k]));
}

/** The leafnodes remotes, compared without their `tls` blocks and in any order. */
function sameRemotes(a: ConfMap | undefined, b: ConfMap | undefined): boolean {
  const list = (m: ConfMap | undefined): string[] => {
    const key = Object.keys(m ?? {}).find((k) => k.toLowerCase() === "remotes");
    const v = key === undefined ? [] : m![key];
    const items = Array.isArray(v) ? v : [];
    return items.map((r) => JSON.stringify(isMap(r) ? Object.fromEntries(Object.entries(r).filter(([k]) => k.toLowerCase() !== "tls")) : r)).sort();
  };
  const x = list(a);
  const y = list(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** User names defined in `authorization` or (map-form) `accounts`. */
function configuredUsers(o: ServerOptions): Set<string> {
  const names = new Set<string>();
  const collect = (block: ConfValue | undefined): void => {
    if (!block || !isMap(block) || !Array.isArray(block.users)) return;
    for (const u of block.users) if (isMap(u) && typeof u.user === "string") names.add(u.user);
  };
  collect(o.authorization);
  if (o.accounts && isMap(o.accounts)) Object.values(o.accounts).forEach(collect);
  return names;
}

/** Host and port the `cluster` block listens on. */
function clusterAddress(block: ConfMap | undefined): { host: string; port: number } {
  const addr = { host: "", port: 0 };
  for (const [k, v] of Object.entries(block ?? {})) {
    const key = k.toLowerCase();
    try {
      if (key === "listen") Object.assign(addr, parseListen(v));
    } catch {
      // Invalid listen values are reported when the block is configured.
    }
    if (key === "host" && typeof v === "string") addr.host = v;
    if (key === "port" && typeof v === "number") addr.port = v;
  }
  return addr;
}

function jetStreamEnabled(v: ConfValue | undefined): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return /^enabled?$/i.test(v);
  return v !== undefined && isMap(v) && v.enabled !== false;
}

function jetStreamSetting(v: ConfValue | undefined, key: string): ConfValue | undefined {
  return v !== undefined && isMap(v) ? v[key] : undefined;
}

type Special = (oldO: ServerOptions, newO: ServerOptions, changed: Set<string>) => void;

const SPECIAL: Partial<Record<Field, Special>> = {
  // A random port (-1/0) on reload keeps whatever port is bound.
  port: (o, n) => {
    if (n.port > 0) refuse("Port", o.port, n.port);
  },
  noAuthUser: (o, n, changed) => {
    if (!o.noAuthUser || n.noAuthUser || configuredUsers(n).has(o.noAuthUser)) {
      refuse("NoAuthUser", o.noAuthUser, n.noAuthUser);
    }
    changed.add("no_auth_user");
  },
  systemAccount: (o, n) => {
    const normal = (v: string | undefined): string => (v === "$SYS" ? "" : (v ?? ""));
    if (normal(o.systemAccount) !== normal(n.systemAccount)) refuse("SystemAccount", o.systemAccount, n.systemAccount);
  },
  cluster: (o, n) => {
    const a = clusterAddress(o.cluster);
    const b = clusterAddress(n.cluster);
    if (a.host !== b.host) throw new Refused(`config reload not supported for cluster host: old=${a.host}, new=${b.host}`);
    if (a.port !== b.port) throw new Refused(`config reload not supported for cluster port: old=${a.port}, new=${b.port}`);
    // Applied and logged by the route code (src/route/reload.ts), as 2.9.10 logs the block and its routes apart.
  },
  gateway: (o, n, changed) => {
    if (firstDifference(o.gateway, n.gateway, ["tls"]) !== undefined) refuse("Gateway", o.gateway, n.gateway);
    changed.add("gateway");
  },
  websocket: (o, n, changed) => {
    if (firstDifference(o.websocket, n.websocket, ["tls"]) !== undefined) refuse("Websocket", o.websocket, n.websocket);
    changed.add("websocket");
  },
  mqtt: (o, n, changed) => {
    const runtime = [
      "tls",
      "ack_wait",
      "max_ack_pending",
      "stream_replicas",
      "consumer_replicas",
      "consumer_memory_storage",
      "consumer_inactive_threshold",
    ];
    if (firstDifference(o.mqtt, n.mqtt, runtime) !== undefined) refuse("MQTT", o.mqtt, n.mqtt);
    changed.add("mqtt");
  },
  leafnodes: (o, n, changed) => {
    // As 2.9.10: TLS may change; remotes only in order and in their TLS (the list itself is not reloaded).
    let key = firstDifference(o.leafnodes, n.leafnodes, ["tls", "compression", "remotes", "handshake_first"]);
    if (key === undefined && !sameRemotes(o.leafnodes, n.leafnodes)) key = "remotes";
    if (key !== undefined) {
      const show = (b: ConfMap | undefined): string => showValue(b?.[key]);
      throw new Refused(
        `config reload not supported for LeafNode: field "${key}": old=${show(o.leafnodes)}, new=${show(n.leafnodes)}`,
      );
    }
    changed.add("leafnodes");
  },
  jetstream: (o, n, changed) => {
    if (jetStreamEnabled(o.jetstream) && jetStreamEnabled(n.jetstream)) {
      if (!sameValue(jetStreamSetting(o.jetstream, "store_dir"), jetStreamSetting(n.jetstream, "store_dir"))) {
        throw new Refused("config reload not supported for jetstream storage directory");
      }
      for (const key of ["max_memory_store", "max_mem_store", "max_mem", "max_file_store", "max_file"]) {
        const a = jetStreamSetting(o.jetstream, key);
        const b = jetStreamSetting(n.jetstream, key);
        if (typeof a === "number" && (typeof b !== "number" || b < a)) {
          throw new Refused("config reload not supported for decreasing jetstream max memory and store");
        }
      }
    }
    changed.add("jetstream");
  },
  // Operator mode: the operator and trusted keys are fixed; the resolver may change but not come or go.
  trust: (o, n, changed) => {
    const a = o.trust;
    const b = n.trust;
    const jwts = (t: TrustOptions | undefined): string[] => t?.operators.map((op) => op.jwt) ?? [];
    // Shown as Go's %v shows the claims: each one's String(), in brackets.
    const shown = (t: TrustOptions | undefined): string => `[${t?.operators.map((op) => operatorClaimsString(op.claims)).join(" ") ?? ""}]`;
    if (!sameValue(jwts(a), jwts(b))) throw new Refused(`config reload not supported for TrustedOperators: old=${shown(a)}, new=${shown(b)}`);
    // Go sorts the keys before comparing (and showing) them.
    const keys = (t: TrustOptions | undefined): string => `[${[...(t?.trustedKeys ?? [])].sort().join(" ")}]`;
    if (keys(a) !== keys(b)) throw new Refused(`config reload not supported for TrustedKeys: old=${keys(a)}, new=${keys(b)}`);
    // One operator alone implies a URL resolver at its account server.
    const resolves = (t: TrustOptions | undefined): boolean => t?.resolver != null || t?.operators.length === 1;
    if (resolves(a) !== resolves(b)) {
      throw new Refused("config reload does not support moving to or from an account resolver");
    }
    changed.add("accounts");
  },
  extra: (o, n, changed) => {
    const keys = new Set([...Object.keys(o.extra), ...Object.keys(n.extra)]);
    for (const key of keys) {
      const a = o.extra[key];
      const b = n.extra[key];
      if (sameValue(a, b)) continue;
      if (EXTRA_RELOADABLE[key]) {
        changed.add(EXTRA_RELOADABLE[key]);
      } else if (key === "store_dir") {
        if (jetStreamEnabled(o.jetstream) && b) {
          throw new Refused("config reload not supported for jetstream storage directory");
        }
      } else {
        refuse(EXTRA_GO_NAMES[key] ?? goFieldName(key), a, b);
      }
    }
  },
};

/** `max_traced_msg_len` / `maxPayload` -> `MaxTracedMsgLen` / `MaxPayload`. */
function goFieldName(name: string): string {
  return name.replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

/** Compares the running options with freshly loaded ones (flags applied). */
export function diffOptions(oldOpts: ServerOptions, newOpts: ServerOptions): OptionsDiff {
  const changed = new Set<string>();
  const fields = new Set([...Object.keys(oldOpts), ...Object.keys(newOpts)] as Field[]);
  try {
    for (const field of fields) {
      if (field === "configFile" || sameValue(oldOpts[field], newOpts[field])) continue;
      const special = SPECIAL[field];
      const key = RELOADABLE[field];
      if (special) special(oldOpts, newOpts, changed);
      else if (key) changed.add(key);
      else refuse(GO_NAMES[field] ?? goFieldName(field), oldOpts[field], newOpts[field], DURATIONS.has(field));
    }
  } catch (e) {
    if (e instanceof Refused) return { changed: [], error: e.message };
    throw e;
  }
  return { changed: [...changed] };
}

/** The `Reloaded: ...` log line for a key from `OptionsDiff.changed`. */
export function reloadNotice(key: string, opts: ServerOptions): string {
  const field = (Object.keys(RELOADABLE) as Field[]).find((f) => RELOADABLE[f] === key);
  const value: unknown = field !== undefined ? opts[field] : opts.extra[key];
  // Blocks are only named: their contents may hold secrets.
  if (BLOCK_KEYS.has(key) || (value !== undefined && typeof value === "object")) return `Reloaded: ${key}`;
  if (field === undefined && value === undefined) return `Reloaded: ${key}`;
  const shown = field && DURATIONS.has(field) && typeof value === "number" ? formatGoDuration(value) : showValue(value);
  return `Reloaded: ${key} = ${shown}`;
}
