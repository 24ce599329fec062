// The `leafnodes {}` block, read as nats-server 2.9.10 reads it (opts.go
// parseLeafNodes, parseLeafAuthorization, parseLeafUsers,
// parseRemoteLeafNodes) and checked as validateLeafNode checks it when the
// server is created (leafnodeProblem).
//
// A failed type assertion abandons the Go helper it happens in; which helper
// decides what is lost (Abort/recover, as in src/auth/config-util.ts).

import { Abort, Collector, entries, goQuote, goType, goValue, isMap, recover } from "../auth/config-util.ts";
import { parsePermSubjects } from "../auth/config-permissions.ts";
import { isValidPublicAccountKey } from "../auth/config-users.ts";
import { ConfigError } from "../config/errors.ts";
import { posOf } from "../config/meta.ts";
import { parseListen } from "../config/address.ts";
import type { ConfMap, ServerOptions } from "../config/types.ts";
import { buildTLSConfig, type TLSConfig } from "../server/tls.ts";
import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { expandPath, minVersionProblem } from "./util.ts";
import { isSecureWebsocketURL, isWebsocketURL, parseLeafURL, redactedURL, type LeafURL } from "./url.ts";

export interface LeafUser {
  user: string;
  password: string;
  /** "" binds to the global account. */
  account: string;
}

export interface LeafnodeAuthorization {
  user: string;
  password: string;
  /** Account for the single user and for the fallback binding; "" = global. */
  account: string;
  /** Seconds; with a port and none given, 2 (or the TLS timeout + 1 with TLS) as setBaselineOptions sets it. */
  timeoutSec: number;
  users: LeafUser[];
}

export interface RemoteLeafOptions {
  /** In the configured order (the solicitor shuffles its copy unless noRandomize). */
  urls: LeafURL[];
  /** Local account the connection binds to. */
  localAccount: string;
  /** Path of a JWT + seed file, `$VAR` and `~` expanded; "" for none. */
  credentials: string;
  tls: TLSConfig | null;
  /** A tls block or a wss:// URL (a tls:// scheme alone does not; the hub's INFO may still ask for TLS). */
  tlsRequired: boolean;
  /** Handshake deadline (ms). */
  tlsTimeoutMs: number;
  hub: boolean;
  denyImports: string[];
  denyExports: string[];
  wsCompression: boolean;
  wsNoMasking: boolean;
  noRandomize: boolean;
  jetstreamClusterMigrate: boolean;
}

export interface LeafnodeOptions {
  host: string;
  /** 0: no accept loop; -1: any free port. No default: the conventional 7422 applies only to remote URLs. */
  port: number;
  advertise: string;
  noAdvertise: boolean;
  tls: TLSConfig | null;
  /** Handshake deadline (ms). */
  tlsTimeoutMs: number;
  authorization: LeafnodeAuthorization;
  reconnectIntervalMs: number;
  /** "" for none; otherwise at least 2.8.0. */
  minVersion: string;
  remotes: RemoteLeafOptions[];
}

const DEFAULT_TLS_TIMEOUT_MS = 2000;
const DEFAULT_RECONNECT_MS = 1000;
const DEFAULT_AUTH_TIMEOUT_SEC = 2;

function defaults(): LeafnodeOptions {
  return {
    host: "",
    port: 0,
    advertise: "",
    noAdvertise: false,
    tls: null,
    tlsTimeoutMs: DEFAULT_TLS_TIMEOUT_MS,
    authorization: { user: "", password: "", account: "", timeoutSec: 0, users: [] },
    reconnectIntervalMs: 0,
    minVersion: "",
    remotes: [],
  };
}

/**
 * Parses the block (null without one); throws ConfigError listing every
 * problem. Warnings alone (a duplicate URL) do not stop a server: they are
 * added to `warnings` (`-t` fails on them).
 */
export function parseLeafnodeOptions(o: ServerOptions, warnings: string[] = []): LeafnodeOptions | null {
  const block = o.leafnodes;
  if (block === undefined) return null;
  const lo = defaults();
  const c = new Collector();
  // A failed assertion in parseLeafNodes itself ends it.
  recover(() => {
    for (const [key, lower] of entries(block)) readEntry(c, block, key, lower, lo);
  });
  if (c.errors.length > 0) throw new ConfigError(c.errors, c.warnings);
  warnings.push(...c.warnings);
  if (lo.port !== 0) {
    if (lo.host === "") lo.host = "0.0.0.0";
    if (lo.authorization.timeoutSec === 0) lo.authorization.timeoutSec = lo.tls === null ? DEFAULT_AUTH_TIMEOUT_SEC : lo.tlsTimeoutMs / 1000 + 1;
  }
  if (lo.reconnectIntervalMs === 0) lo.reconnectIntervalMs = DEFAULT_RECONNECT_MS;
  return lo;
}

function readEntry(c: Collector, block: ConfMap, key: string, lower: string, lo: LeafnodeOptions): void {
  const pos = posOf(block, key);
  switch (lower) {
    case "listen":
      try {
        const hp = parseListen(block[key]!);
        lo.host = hp.host;
        lo.port = hp.port;
      } catch (e) {
        c.error(pos, (e as Error).message);
      }
      return;
    case "port":
      lo.port = c.int(block, key);
      return;
    case "host":
    case "net":
      lo.host = c.string(block, key);
      return;
    case "authorization": {
      const auth = recover(() => readAuthorization(c, c.map(block, key)));
      // Go dereferences the nil result of a helper that panicked.
      if (auth === null) {
        c.error(pos, "runtime error: invalid memory address or nil pointer dereference");
        throw new Abort();
      }
      lo.authorization = auth;
      const problem = leafAuthProblem(auth);
      if (problem !== null) c.error(pos, problem);
      return;
    }
    case "remotes":
      lo.remotes = readRemotes(c, block, key) ?? [];
      return;
    case "reconnect":
    case "reconnect_delay":
    case "reconnect_interval":
      lo.reconnectIntervalMs = c.int(block, key) * 1000;
      return;
    case "tls": {
      const tls = leafTLS(c, block, key);
      if (tls !== null) {
        lo.tls = tls;
        lo.tlsTimeoutMs = tls.timeoutMs > 0 ? tls.timeoutMs : DEFAULT_TLS_TIMEOUT_MS;
      }
      return;
    }
    case "leafnode_advertise":
    case "advertise":
      lo.advertise = c.string(block, key);
      return;
    case "no_advertise":
      lo.noAdvertise = c.bool(block, key);
      return;
    case "min_version":
    case "minimum_version": {
      const version = c.string(block, key);
      const problem = minVersionProblem(version);
      if (problem !== null) c.error(pos, problem);
      else lo.minVersion = version;
      return;
    }
    default:
      c.unknown(block, key);
  }
}

/** A leafnode `tls` block (both sides use the client context); null after recording errors. */
function leafTLS(c: Collector, m: ConfMap, key: string): TLSConfig | null {
  // parseTLS recovers its own failed assertion.
  const block = recover(() => c.map(m, key));
  if (block === null) return null;
  try {
    return buildTLSConfig(block, { at: posOf(m, key) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    c.errors.push(...e.errors);
    return null;
  }
}

function readAuthorization(c: Collector, m: ConfMap): LeafnodeAuthorization {
  const auth: LeafnodeAuthorization = { user: "", password: "", account: "", timeoutSec: 0, users: [] };
  for (const [key, lower, v] of entries(m)) {
    switch (lower) {
      case "user":
      case "username":
        auth.user = c.string(m, key);
        break;
      case "pass":
      case "password":
        auth.password = c.string(m, key);
        break;
      case "timeout":
        auth.timeoutSec = typeof v === "number" ? v : 1;
        break;
      case "users":
        auth.users = recover(() => readUsers(c, m, key)) ?? [];
        break;
      case "account":
        auth.account = c.string(m, key);
        break;
      default:
        c.unknown(m, key);
    }
  }
  return auth;
}

function readUsers(c: Collector, m: ConfMap, key: string): LeafUser[] {
  const v = m[key]!;
  if (!Array.isArray(v)) {
    c.error(posOf(m, key), `Expected users field to be an array, got ${goValue(v)}`);
    return [];
  }
  const users: LeafUser[] = [];
  v.forEach((entry, i) => {
    if (!isMap(entry)) {
      c.error(posOf(v, i), `Expected user entry to be a map/struct, got ${goValue(entry)}`);
      return;
    }
    const user: LeafUser = { user: "", password: "", account: "" };
    for (const [k, lower] of entries(entry)) {
      if (lower === "user" || lower === "username") user.user = c.string(entry, k);
      else if (lower === "pass" || lower === "password") user.password = c.string(entry, k);
      else if (lower === "account") user.account = c.string(entry, k);
      else c.unknown(entry, k);
    }
    users.push(user);
  });
  return users;
}

/** validateLeafNodeAuthOptions. */
function leafAuthProblem(auth: LeafnodeAuthorization): string | null {
  if (auth.users.length === 0) return null;
  if (auth.user !== "") return "can not have a single user/pass and a users array";
  const seen = new Set<string>();
  for (const u of auth.users) {
    if (seen.has(u.user)) return `duplicate user ${goQuote(u.user)} detected in leafnode authorization`;
    seen.add(u.user);
  }
  return null;
}

/** parseRemoteLeafNodes: null when a failed assertion dropped them all. */
function readRemotes(c: Collector, block: ConfMap, key: string): RemoteLeafOptions[] | null {
  const v = block[key]!;
  if (!Array.isArray(v)) {
    c.error(posOf(block, key), `Expected remotes field to be an array, got ${goType(v)}`);
    return null;
  }
  return recover(() => {
    const remotes: RemoteLeafOptions[] = [];
    v.forEach((entry, i) => {
      if (isMap(entry)) remotes.push(readRemote(c, entry));
      else c.error(posOf(v, i), `Expected remote leafnode entry to be a map/struct, got ${goValue(entry)}`);
    });
    return remotes;
  });
}

function readRemote(c: Collector, rm: ConfMap): RemoteLeafOptions {
  const r: RemoteLeafOptions = {
    urls: [],
    localAccount: "",
    credentials: "",
    tls: null,
    tlsRequired: false,
    tlsTimeoutMs: DEFAULT_TLS_TIMEOUT_MS,
    hub: false,
    denyImports: [],
    denyExports: [],
    wsCompression: false,
    wsNoMasking: false,
    noRandomize: false,
    jetstreamClusterMigrate: false,
  };
  for (const [k, lower, v] of entries(rm)) {
    const pos = posOf(rm, k);
    switch (lower) {
      case "no_randomize":
      case "dont_randomize":
        r.noRandomize = c.bool(rm, k);
        break;
      case "url":
      case "urls":
        readURLs(c, rm, k, r);
        break;
      case "account":
      case "local":
        r.localAccount = c.string(rm, k);
        break;
      case "creds":
      case "credentials":
        r.credentials = expandPath(c.string(rm, k));
        break;
      case "tls": {
        const tls = leafTLS(c, rm, k);
        if (tls !== null) {
          r.tls = tls;
          r.tlsTimeoutMs = tls.timeoutMs > 0 ? tls.timeoutMs : DEFAULT_TLS_TIMEOUT_MS;
        }
        break;
      }
      case "hub":
        r.hub = c.bool(rm, k);
        break;
      case "deny_imports":
      case "deny_import":
        r.denyImports = parsePermSubjects(c, v, pos) ?? r.denyImports;
        break;
      case "deny_exports":
      case "deny_export":
        r.denyExports = parsePermSubjects(c, v, pos) ?? r.denyExports;
        break;
      case "ws_compress":
      case "ws_compression":
      case "websocket_compress":
      case "websocket_compression":
        r.wsCompression = c.bool(rm, k);
        break;
      case "ws_no_masking":
      case "websocket_no_masking":
        r.wsNoMasking = c.bool(rm, k);
        break;
      case "jetstream_cluster_migrate":
      case "js_cluster_migrate":
        // 2.9.10 sets it whatever the value.
        r.jetstreamClusterMigrate = true;
        break;
      default:
        c.unknown(rm, k);
    }
  }
  if (r.localAccount === "") r.localAccount = GLOBAL_ACCOUNT;
  r.tlsRequired = r.tls !== null || r.urls.some(isSecureWebsocketURL);
  return r;
}

/** `url`/`urls`: a string adds one URL, a list replaces them (duplicates warned and skipped). */
function readURLs(c: Collector, rm: ConfMap, key: string, r: RemoteLeafOptions): void {
  const v = rm[key]!;
  const bad = (text: string): string => `error parsing leafnode url [${goQuote(text.trim())}]`;
  if (typeof v === "string") {
    const u = parseLeafURL(v);
    if (u === null) c.error(posOf(rm, key), bad(v));
    else r.urls.push(u);
    return;
  }
  if (!Array.isArray(v)) {
    c.error(posOf(rm, key), `Expected remote leafnode url to be an array or string, got ${goValue(v)}`);
    return;
  }
  const urls: LeafURL[] = [];
  const seen = new Set<string>();
  const before = c.errors.length;
  // parseURLs recovers its own failed assertion: the URLs read so far are dropped with it.
  recover(() => {
    v.forEach((_, i) => {
      const text = c.string(v, i);
      if (seen.has(text)) {
        c.warn(posOf(v, i), text, "Duplicate leafnode entry detected");
        return;
      }
      seen.add(text);
      const u = parseLeafURL(text);
      if (u === null) c.error(posOf(v, i), bad(text));
      else urls.push(u);
    });
  });
  if (c.errors.length === before) r.urls = urls;
}


/** What validateLeafNode needs to know about the rest of the configuration. */
export interface LeafnodeContext {
  /** Accounts that exist in static configuration (with `$G` and the system account when there is one). */
  accounts: Iterable<string>;
  operatorMode: boolean;
  /** A system account is configured (system_account, or the operator's). */
  systemAccountConfigured: boolean;
  /** A gateway name or port is configured. */
  gateway: boolean;
}

/** validateLeafNode: why the server must not start, or null. */
export function leafnodeProblem(lo: LeafnodeOptions | null, ctx: LeafnodeContext): string | null {
  if (lo === null) return null;
  const auth = lo.authorization;
  const authProblem = leafAuthProblem(auth);
  if (authProblem !== null) return authProblem;
  if (!ctx.operatorMode) {
    // "" means the global account in a leafnode context.
    const known = new Set<string>([...ctx.accounts, GLOBAL_ACCOUNT, ""]);
    const missing = (name: string, where: string): string | null =>
      known.has(name) ? null : `cannot find local account ${goQuote(name)} specified in leafnode ${where}`;
    const problem =
      missing(auth.account, "authorization") ??
      auth.users.map((u) => missing(u.account, "authorization")).find((p) => p !== null) ??
      lo.remotes.map((r) => missing(r.localAccount, "remote")).find((p) => p !== null);
    if (problem !== undefined && problem !== null) return problem;
  } else {
    if (auth.users.length > 0) return "operator mode does not allow specifying user in leafnode config";
    if (lo.remotes.some((r) => !isValidPublicAccountKey(r.localAccount))) {
      return (
        "operator mode requires account nkeys in remotes. " +
        "Please add an `account` key to each remote in your `leafnodes` section, to assign it to an account. " +
        "Each account value should be a 56 character public key, starting with the letter 'A'"
      );
    }
    if (lo.port !== 0 && auth.account !== "" && !isValidPublicAccountKey(auth.account)) {
      return "operator mode and non account nkeys are incompatible";
    }
  }
  for (const r of lo.remotes) {
    const ws = r.urls.map(isWebsocketURL);
    if (ws.some((w) => w !== ws[0])) {
      const list = r.urls.map((u) => goQuote(redactedURL(u))).join(" ");
      return `remote leaf node configuration cannot have a mix of websocket and non-websocket urls: [${list}]`;
    }
  }
  if (lo.port === 0) return null;
  if (lo.minVersion !== "") {
    const problem = minVersionProblem(lo.minVersion);
    if (problem !== null) return problem;
  }
  if (ctx.gateway && !ctx.systemAccountConfigured) {
    return "leaf nodes and gateways (both being defined) require a system account to also be configured";
  }
  return null;
}

/** The gateway block names a gateway or a port (it is not parsed elsewhere yet). */
export function gatewayConfigured(gateway: ConfMap | undefined): boolean {
  if (gateway === undefined) return false;
  return entries(gateway).some(([, lower, v]) => {
    if (lower === "name") return typeof v === "string" && v !== "";
    if (lower === "port") return typeof v === "number" && v !== 0;
    if (lower !== "listen") return false;
    try {
      return parseListen(v).port !== 0;
    } catch {
      return false;
    }
  });
}
