// The `cluster {}` block, read as nats-server 2.9.10 reads it (opts.go
// parseCluster, parseAuthorization, parseURLs, setBaselineOptions) and
// checked as validateCluster checks it when the server is created
// (clusterProblem). Keys of later servers (pool_size, accounts, compression,
// ping_interval...) are unknown fields in 2.9.10, so they are here too.
//
// A failed type assertion abandons the Go helper it happens in; which helper
// decides what is lost (Abort/recover, as in src/auth/config-util.ts).

import { Abort, Collector, entries, recover } from "../auth/config-util.ts";
import { parsePermissions } from "../auth/config-permissions.ts";
import { parseUsers } from "../auth/config-users.ts";
import type { Permissions, SubjectPermission } from "../auth/types.ts";
import { parseListen } from "../config/address.ts";
import { ConfigError } from "../config/errors.ts";
import { posOf } from "../config/meta.ts";
import type { ConfMap, ConfValue, ServerOptions } from "../config/types.ts";
import { parseGoURL, URLError, type LeafURL } from "../leafnode/url.ts";
import { buildTLSConfig, type TLSConfig } from "../server/tls.ts";

/** A `nats-route://[user:pass@]host:port` URL as Go's url.Parse leaves it (no default port: `port` 0). */
export type RouteURL = LeafURL;

export interface ClusterAuthorization {
  /** "" = routes need no credentials. */
  user: string;
  password: string;
  /** Seconds; with a port and none given, 2 (or the TLS timeout + 1 with TLS) as setBaselineOptions sets it. */
  timeoutSec: number;
}

/** What crosses the routes (interest only): `import` = what we advertise (RS+), `export` = remote RS+ we accept. */
export interface RoutePermissions {
  import: SubjectPermission | null;
  export: SubjectPermission | null;
}

export interface ClusterOptions {
  /** "" = none given: the server generates one (dynamic) when it listens. */
  name: string;
  host: string;
  /** 0: no route accept loop (configured routes are not solicited either); -1: any free port. */
  port: number;
  /** `host[:port]` other servers should dial instead of host:port. */
  advertise: string;
  /** Do not tell clients about the other servers' client URLs. */
  noAdvertise: boolean;
  /** Explicit routes, in the configured order, duplicates dropped. */
  routes: RouteURL[];
  authorization: ClusterAuthorization;
  /** Both directions verify the peer's certificate (2.9.10 forces it for routes). */
  tls: TLSConfig | null;
  /** Handshake deadline (ms). */
  tlsTimeoutMs: number;
  /** Retries for implicit (gossiped) routes; explicit ones retry forever. */
  connectRetries: number;
  permissions: RoutePermissions | null;
}

const DEFAULT_HOST = "0.0.0.0";
const DEFAULT_TLS_TIMEOUT_MS = 2000;
const DEFAULT_AUTH_TIMEOUT_SEC = 2;

function defaults(): ClusterOptions {
  return {
    name: "",
    host: "",
    port: 0,
    advertise: "",
    noAdvertise: false,
    routes: [],
    authorization: { user: "", password: "", timeoutSec: 0 },
    tls: null,
    tlsTimeoutMs: DEFAULT_TLS_TIMEOUT_MS,
    connectRetries: 0,
    permissions: null,
  };
}

/** parseAuthorization's result, as far as the cluster block uses it. */
interface AuthBlock {
  user: string;
  password: string;
  token: string;
  timeoutSec: number;
  /** Non-null when a users list parsed (even an empty one). */
  users: unknown[] | null;
  permissions: Permissions | null;
}

/**
 * Parses the block (null without one); throws ConfigError listing every
 * problem. Warnings alone (a duplicate route, permissions inside
 * authorization) do not stop a server: they are added to `warnings` (`-t`
 * fails on them).
 */
export function parseClusterOptions(o: ServerOptions, warnings: string[] = []): ClusterOptions | null {
  const block = o.cluster;
  if (block === undefined) return null;
  const co = defaults();
  const c = new Collector();
  const state = { permsFromBlock: false };
  // A failed assertion in parseCluster itself ends it.
  recover(() => {
    for (const [key, lower] of entries(block)) readEntry(c, block, key, lower, co, state);
  });
  if (c.errors.length > 0) throw new ConfigError(c.errors, c.warnings);
  warnings.push(...c.warnings);
  if (co.port !== 0) {
    if (co.host === "") co.host = DEFAULT_HOST;
    const auth = co.authorization;
    if (auth.timeoutSec === 0) auth.timeoutSec = co.tls === null ? DEFAULT_AUTH_TIMEOUT_SEC : co.tlsTimeoutMs / 1000 + 1;
  }
  return co;
}

function readEntry(c: Collector, block: ConfMap, key: string, lower: string, co: ClusterOptions, state: { permsFromBlock: boolean }): void {
  const pos = posOf(block, key);
  switch (lower) {
    case "name":
      co.name = c.string(block, key);
      return;
    case "listen":
      try {
        const hp = parseListen(block[key]!);
        co.host = hp.host;
        co.port = hp.port;
      } catch (e) {
        c.error(pos, (e as Error).message);
      }
      return;
    case "port":
      co.port = c.int(block, key);
      return;
    case "host":
    case "net":
      co.host = c.string(block, key);
      return;
    case "authorization": {
      const auth = recover(() => readAuthorization(c, c.map(block, key)));
      // Go dereferences the nil result of a helper that panicked.
      if (auth === null) {
        c.error(pos, "runtime error: invalid memory address or nil pointer dereference");
        throw new Abort();
      }
      if (auth.users !== null) c.error(pos, "Cluster authorization does not allow multiple users");
      else if (auth.token !== "") c.error(pos, "Cluster authorization does not support tokens");
      else {
        co.authorization = { user: auth.user, password: auth.password, timeoutSec: auth.timeoutSec };
        if (auth.permissions !== null) {
          c.warn(pos, key, 'setting "permissions" within cluster authorization block is deprecated');
          // The block's own `permissions` wins, whichever comes first.
          if (!state.permsFromBlock) co.permissions = routePermissions(auth.permissions);
        }
      }
      return;
    }
    case "routes":
      co.routes = readRoutes(c, c.array(block, key)) ?? co.routes;
      return;
    case "tls": {
      const tls = clusterTLS(c, block, key);
      if (tls !== null) {
        co.tls = tls;
        co.tlsTimeoutMs = tls.timeoutMs > 0 ? tls.timeoutMs : DEFAULT_TLS_TIMEOUT_MS;
      }
      return;
    }
    case "cluster_advertise":
    case "advertise":
      co.advertise = c.string(block, key);
      return;
    case "no_advertise":
      co.noAdvertise = c.bool(block, key);
      return;
    case "connect_retries":
      co.connectRetries = c.int(block, key);
      return;
    case "permissions": {
      // 2.9.10 hands the bare value over: errors about the value itself carry no position.
      const perms = parsePermissions(c, [block[key]!], 0);
      if (perms === null) return;
      if (perms.response !== null) {
        c.error(pos, "Cluster permissions do not support dynamic responses");
        return;
      }
      co.permissions = routePermissions(perms);
      state.permsFromBlock = true;
      return;
    }
    default:
      c.unknown(block, key);
  }
}

/** Import is what parsing calls publish, export what it calls subscribe (setClusterPermissions). */
function routePermissions(p: Permissions): RoutePermissions {
  return { import: p.publish, export: p.subscribe };
}

/** parseAuthorization (the same helper as the top-level block's); an Abort escapes as a panic would. */
function readAuthorization(c: Collector, m: ConfMap): AuthBlock {
  const auth: AuthBlock = { user: "", password: "", token: "", timeoutSec: 0, users: null, permissions: null };
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
      case "token":
        auth.token = c.string(m, key);
        break;
      case "timeout":
        // Seconds; any other type (a duration string too) counts as 1.
        auth.timeoutSec = typeof v === "number" ? v : 1;
        break;
      case "users": {
        const parsed = parseUsers(c, m, key, posOf(m, key));
        if (parsed !== null) auth.users = [...parsed.users, ...parsed.nkeys];
        break;
      }
      case "default_permission":
      case "default_permissions":
      case "permissions": {
        const perms = parsePermissions(c, m, key);
        if (perms !== null) auth.permissions = perms;
        break;
      }
      default:
        c.unknown(m, key);
    }
  }
  return auth;
}

/** parseURLs: null when any entry failed (the routes are then left as they were). */
function readRoutes(c: Collector, list: ConfValue[]): RouteURL[] | null {
  const before = c.errors.length;
  const routes: RouteURL[] = [];
  const seen = new Set<string>();
  // A failed assertion drops the whole list, with the errors found before it.
  recover(() => {
    list.forEach((_, i) => {
      const text = c.string(list, i);
      if (seen.has(text)) {
        c.warn(posOf(list, i), text, "Duplicate route entry detected");
        return;
      }
      seen.add(text);
      const u = parseRouteURL(text.trim());
      if (u === null) c.error(posOf(list, i), `error parsing route url [${JSON.stringify(text.trim())}]`);
      else routes.push(u);
    });
  });
  return c.errors.length === before ? routes : null;
}

/** Go's url.Parse of one route URL; null when it fails. */
export function parseRouteURL(text: string): RouteURL | null {
  try {
    return parseGoURL(text, null);
  } catch (e) {
    if (e instanceof URLError) return null;
    throw e;
  }
}

/** getTLSConfig: the leafnode-style read (files reported at the `tls` key), known-URL checks allowed, peers always verified. */
function clusterTLS(c: Collector, m: ConfMap, key: string): TLSConfig | null {
  const block = recover(() => c.map(m, key));
  if (block === null) return null;
  try {
    const tls = buildTLSConfig(block, { at: posOf(m, key), knownURLs: true })!;
    return { ...tls, verify: true };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    c.errors.push(...e.errors);
    return null;
  }
}

/** The gateway block's `name` when it is a string (the gateway block is not parsed elsewhere yet). */
export function gatewayName(gateway: ConfMap | undefined): string {
  if (gateway === undefined) return "";
  const name = entries(gateway).find(([, lower]) => lower === "name")?.[2];
  return typeof name === "string" ? name : "";
}

/**
 * validateCluster: why the server must not start, or null. Like 2.9.10, a
 * cluster without a name takes the gateway's (so it is not dynamic).
 */
export function clusterProblem(co: ClusterOptions | null, gateway: string): string | null {
  if (co === null || gateway === "" || gateway === co.name) return null;
  if (co.name !== "") return "cluster name conflicts between cluster and gateway definitions";
  co.name = gateway;
  return null;
}
