// Maps a parsed config file onto ServerOptions (nats-server's
// processConfigFileLine): keys are case-insensitive, types are strict,
// unknown keys are errors, and all errors are reported together.

import { extname, resolve } from "node:path";
import { digestConf } from "./digest.ts";
import { formatGoDuration } from "./duration.ts";
import { ConfigError, located } from "./errors.ts";
import { Field, isMap, type Problems } from "./field.ts";
import { goTypeName } from "./gotype.ts";
import { isUsedAsVariable, posOf } from "./meta.ts";
import { parseConfFile, type ParsedConf } from "./parser.ts";
import { parseTomlFile } from "./toml.ts";
import { DEFAULT_OPTIONS, defaultOptions, type ConfMap, type ConfPos, type ServerOptions } from "./types.ts";
import { OPERATOR_KEYS } from "../auth/config-operator.ts";

export interface LoadedConfig {
  options: ServerOptions;
  /** Non-fatal problems, `file:line:col: ...` (nats-server prints them and goes on). */
  warnings: string[];
  /** `sha256:<hex>`, as `nats-server -t` prints for a valid file. */
  digest: string;
}

type Handler = (f: Field, o: ServerOptions) => void;

const MAX_INT32 = 2 ** 31 - 1;
const MIN_LAME_DUCK_MS = 30_000;

const ALIASES: Record<string, string> = {
  net: "host",
  logfile: "log_file",
  pidfile: "pid_file",
  monitor_port: "http_port",
  max_conn: "max_connections",
  max_subs: "max_subscriptions",
  max_subscription_tokens: "max_sub_tokens",
  no_sublist_cache: "disable_sublist_cache",
  system: "system_account",
  no_system: "no_system_account",
  no_sys_acc: "no_system_account",
  ws: "websocket",
  leaf: "leafnodes",
  logfile_size_limit: "log_size_limit",
  logfile_max_num: "log_max_num",
  maps: "mappings",
  operators: "operator",
  root: "operator",
  roots: "operator",
  root_operator: "operator",
  root_operators: "operator",
  trusted_keys: "trusted",
  account_resolver: "resolver",
  accounts_resolver: "resolver",
  storedir: "store_dir",
};

function setIfDefined<T>(value: T | undefined, apply: (v: T) => void): void {
  if (value !== undefined) apply(value);
}

/** Checks the value is a map, with nats-server's wording for this block. */
function block(message: (type: string) => string, apply: (o: ServerOptions, m: ConfMap) => void): Handler {
  return (f, o) => {
    if (isMap(f.value)) apply(o, f.value);
    else f.error(message(goTypeName(f.value)));
  };
}

const HANDLERS: Record<string, Handler> = {
  listen: (f, o) =>
    setIfDefined(f.listen(), (hp) => {
      o.host = hp.host || DEFAULT_OPTIONS.host;
      o.port = hp.port;
    }),
  port: (f, o) => setIfDefined(f.int(), (v) => (o.port = v)),
  host: (f, o) => setIfDefined(f.string(), (v) => (o.host = v)),
  client_advertise: (f, o) => setIfDefined(f.string(), (v) => (o.clientAdvertise = v)),
  // 2.9.10 accepts spaces in server names (later servers refuse them).
  server_name: (f, o) => setIfDefined(f.string(), (v) => (o.serverName = v)),
  debug: (f, o) => setIfDefined(f.bool(), (v) => (o.debug = v)),
  trace: (f, o) => setIfDefined(f.bool(), (v) => (o.trace = v)),
  trace_verbose: (f, o) => setIfDefined(f.bool(), (v) => (o.trace = o.traceVerbose = v)),
  trace_headers: (f, o) =>
    setIfDefined(f.bool(), (v) => {
      o.trace = v;
      o.extra.trace_headers = v;
    }),
  logtime: (f, o) => setIfDefined(f.bool(), (v) => (o.logtime = v)),
  logtime_utc: (f, o) => setIfDefined(f.bool(), (v) => (o.logtimeUTC = v)),
  log_file: (f, o) => setIfDefined(f.string(), (v) => (o.logFile = v)),
  pid_file: (f, o) => setIfDefined(f.string(), (v) => (o.pidFile = v)),
  ports_file_dir: (f, o) => setIfDefined(f.string(), (v) => (o.portsFileDir = v)),
  http: (f, o) =>
    setIfDefined(f.listen(), (hp) => {
      o.httpHost = hp.host || undefined;
      o.httpPort = hp.port;
    }),
  https: (f, o) =>
    setIfDefined(f.listen(), (hp) => {
      o.httpHost = hp.host || undefined;
      o.httpsPort = hp.port;
    }),
  http_port: (f, o) => setIfDefined(f.int(), (v) => (o.httpPort = v)),
  https_port: (f, o) => setIfDefined(f.int(), (v) => (o.httpsPort = v)),
  http_base_path: (f, o) => setIfDefined(f.string(), (v) => (o.httpBasePath = v)),
  max_control_line: (f, o) =>
    setIfDefined(f.int(), (v) => {
      if (v > MAX_INT32) f.error(`${f.key} value is too big`);
      else o.maxControlLine = v;
    }),
  max_payload: (f, o) =>
    setIfDefined(f.int(), (v) => {
      if (v > MAX_INT32) f.error(`${f.key} value is too big`);
      else o.maxPayload = v;
    }),
  max_pending: (f, o) => setIfDefined(f.int(), (v) => (o.maxPending = v)),
  // An explicit 0 refuses every client; the server treats -1 that way.
  max_connections: (f, o) => setIfDefined(f.int(), (v) => (o.maxConnections = v === 0 ? -1 : v)),
  max_subscriptions: (f, o) => setIfDefined(f.int(), (v) => (o.maxSubscriptions = v)),
  max_sub_tokens: (f, o) =>
    setIfDefined(f.int(), (v) => {
      if (v > 255) f.error(`${f.key} value is too big`);
      else if (v <= 0) f.error(`${f.key} value can not be negative`);
      else o.maxSubTokens = v;
    }),
  ping_interval: (f, o) => setIfDefined(f.duration("ping_interval"), (v) => (o.pingInterval = v)),
  ping_max: (f, o) => setIfDefined(f.int(), (v) => (o.pingMax = v)),
  write_deadline: (f, o) => setIfDefined(f.duration("write_deadline"), (v) => (o.writeDeadline = v)),
  lame_duck_duration: (f, o) =>
    setIfDefined(f.durationString("lame_duck_duration"), (v) => {
      if (v < MIN_LAME_DUCK_MS) f.error(`invalid lame_duck_duration of ${formatGoDuration(v)}, minimum is 30 seconds`);
      else o.lameDuckDuration = v;
    }),
  lame_duck_grace_period: (f, o) =>
    setIfDefined(f.durationString("lame_duck_grace_period"), (v) => {
      if (v < 0) f.error("invalid lame_duck_grace_period, needs to be positive");
      else o.lameDuckGracePeriod = v;
    }),
  no_header_support: (f, o) => setIfDefined(f.bool(), (v) => (o.noHeaderSupport = v)),
  disable_sublist_cache: (f, o) => setIfDefined(f.bool(), (v) => (o.disableSublistCache = v)),
  max_closed_clients: (f, o) => setIfDefined(f.int(), (v) => (o.maxClosedClients = v)),
  no_auth_user: (f, o) => setIfDefined(f.string(), (v) => (o.noAuthUser = v)),
  system_account: (f, o) => {
    if (typeof f.value === "string") o.systemAccount = f.value;
    else f.error("system account name must be a string");
  },
  no_system_account: (f, o) => setIfDefined(f.bool(), (v) => (o.noSystemAccount = v)),

  // Blocks owned by other subsystems: only their shape is checked here.
  authorization: (f, o) => setIfDefined(f.map(), (v) => (o.authorization = v)),
  tls: (f, o) => setIfDefined(f.map(), (v) => (o.tls = v)),
  allow_non_tls: (f, o) => setIfDefined(f.bool(), (v) => (o.allowNonTLS = v)),
  accounts: (f, o) => {
    if (isMap(f.value) || Array.isArray(f.value)) o.accounts = f.value;
    else f.error(`Expected accounts to be a map or an array, got ${goTypeName(f.value)}`);
  },
  websocket: block((t) => `Expected websocket to be a map, got ${t}`, (o, m) => (o.websocket = m)),
  leafnodes: block((t) => `Expected map to define a leafnode, got ${t}`, (o, m) => (o.leafnodes = m)),
  cluster: block((t) => `Expected map to define cluster, got ${t}`, (o, m) => (o.cluster = m)),
  gateway: block((t) => `Expected gateway to be a map, got ${t}`, (o, m) => (o.gateway = m)),
  mqtt: block((t) => `Expected mqtt to be a map, got ${t}`, (o, m) => (o.mqtt = m)),
  ...OPERATOR_KEYS,
  jetstream: (f, o) => {
    const v = f.value;
    if (typeof v === "string" && !/^(enabled?|disabled?)$/i.test(v)) {
      f.error(`Expected 'enabled' or 'disabled' for string value, got '${v}'`);
    } else if (typeof v === "boolean" || typeof v === "string" || isMap(v)) {
      o.jetstream = v;
    } else {
      f.error(`Expected map, bool or string to define JetStream, got ${goTypeName(v)}`);
    }
  },
};

/** Shapes accepted for keys we keep in `extra` without acting on them. */
type ExtraShape = "bool" | "int" | "string" | "map" | "string|list" | "string|map" | "bool|map";

const EXTRA: Record<string, ExtraShape> = {
  syslog: "bool",
  remote_syslog: "string",
  log_size_limit: "int",
  log_max_num: "int",
  prof_port: "int",
  prof_block_rate: "int",
  proxy_protocol: "bool",
  max_traced_msg_len: "int",
  connect_error_reports: "int",
  reconnect_error_reports: "int",
  default_sentinel: "string",
  store_dir: "string",
  write_timeout: "string",
  no_fast_producer_stall: "bool",
  server_tags: "string|list",
  server_metadata: "map",
  mappings: "map",
  resolver_tls: "map",
  ocsp: "bool|map",
  ocsp_cache: "bool|map",
  feature_flags: "map",
  default_js_domain: "map",
  proxies: "map",
};

function handleExtra(name: string, shape: ExtraShape, f: Field, o: ServerOptions): void {
  const v = f.value;
  const ok: Record<ExtraShape, () => boolean> = {
    bool: () => f.bool() !== undefined,
    int: () => f.int() !== undefined,
    string: () => f.string() !== undefined,
    map: () => f.map() !== undefined,
    "string|list": () => typeof v === "string" || Array.isArray(v),
    "string|map": () => typeof v === "string" || isMap(v),
    "bool|map": () => typeof v === "boolean" || isMap(v),
  };
  if (!ok[shape]()) {
    if (shape.includes("|")) f.error(`error parsing ${name}: unsupported type ${goTypeName(v)}`);
    return;
  }
  if (name === "write_timeout" && !["default", "close", "retry"].includes(v as string)) {
    f.error("write_timeout must be 'default', 'close' or 'retry'");
    return;
  }
  o.extra[name] = v;
}

/**
 * Cross-option rules nats-server enforces when the server starts
 * (validateOptions). `posOf` places them in the file when known.
 */
export function checkOptions(o: ServerOptions, posOf: (key: string) => ConfPos | undefined = () => undefined): string[] {
  const errors: string[] = [];
  if (o.lameDuckDuration > 0 && o.lameDuckGracePeriod >= o.lameDuckDuration) {
    errors.push(
      located(
        posOf("lame_duck_grace_period") ?? posOf("lame_duck_duration"),
        `lame duck grace period (${formatGoDuration(o.lameDuckGracePeriod)}) should be strictly lower than lame duck duration (${formatGoDuration(o.lameDuckDuration)})`,
      ),
    );
  }
  if (o.maxPayload > o.maxPending) {
    errors.push(
      located(
        posOf("max_payload") ?? posOf("max_pending"),
        `max_payload (${o.maxPayload}) cannot be higher than max_pending (${o.maxPending})`,
      ),
    );
  }
  return errors;
}

/** Maps a parsed tree to options. Throws ConfigError listing every error. */
export function optionsFromConf(parsed: ParsedConf): { options: ServerOptions; warnings: string[] } {
  const options = defaultOptions();
  const problems: Problems = { errors: [], warnings: [] };
  const positions = new Map<string, ConfPos | undefined>();
  const keys = Object.keys(parsed.root);
  if (keys.length === 0) problems.warnings.push(`${parsed.file}: config has no values or is empty`);

  for (const key of keys) {
    const lower = key.toLowerCase();
    const name = ALIASES[lower] ?? lower;
    const pos = posOf(parsed.root, key);
    const field = new Field(key, parsed.root[key]!, pos, problems);
    positions.set(name, pos);
    const handler = HANDLERS[name];
    const extra = EXTRA[name];
    if (handler) handler(field, options);
    else if (extra) handleExtra(name, extra, field, options);
    else if (!isUsedAsVariable(parsed.root, key)) field.error(`unknown field "${key}"`);
  }
  if (problems.errors.length === 0) problems.errors.push(...checkOptions(options, (k) => positions.get(k)));
  if (problems.errors.length > 0) throw new ConfigError(problems.errors, problems.warnings);
  return { options, warnings: problems.warnings };
}

/**
 * Parses a config file into a tree: the NATS format, or TOML for a `.toml`
 * file that is not valid NATS format (a NATS config may carry any name).
 */
export function readConfigFile(path: string): ParsedConf {
  if (extname(path).toLowerCase() !== ".toml") return parseConfFile(path);
  try {
    return parseConfFile(path);
  } catch {
    return parseTomlFile(path);
  }
}


/** Reads and maps a config file. Throws ConfigError listing every error. */
export function loadConfig(path: string): LoadedConfig {
  const parsed = readConfigFile(path);
  const { options, warnings } = optionsFromConf(parsed);
  options.configFile = resolve(path);
  return { options, warnings, digest: digestConf(parsed.root) };
}
