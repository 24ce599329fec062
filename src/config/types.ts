// The option tree every subsystem reads. Values are already normalised:
// durations in milliseconds, sizes in bytes. Blocks that later subsystems own
// (authorization, accounts, tls, websocket, leafnodes, cluster, ...) are kept
// as the parsed conf map until those subsystems type them.

import type { TrustOptions } from "../auth/types.ts";
import type { LeafSignature } from "../leafnode/remote.ts";

/** Where a value came from in a conf file, for `file:line:col` errors. */
export interface ConfPos {
  file: string;
  line: number;
  col: number;
}

/** A parsed conf value. Maps and arrays keep the raw JS shape. */
export type ConfValue = string | number | boolean | Date | ConfValue[] | ConfMap;
export interface ConfMap {
  [key: string]: ConfValue;
}

export interface ServerOptions {
  /** Absolute path of the config file, when one was given. */
  configFile?: string;

  host: string;
  port: number;
  serverName?: string;
  clientAdvertise?: string;

  maxPayload: number;
  maxControlLine: number;
  maxPending: number;
  /** -1 refuses every client (`max_connections: 0` in a file). */
  maxConnections: number;
  /** 0 = unlimited. */
  maxSubscriptions: number;
  /** 0 = unlimited. */
  maxSubTokens: number;

  pingInterval: number; // ms
  pingMax: number;
  writeDeadline: number; // ms

  debug: boolean;
  trace: boolean;
  traceVerbose: boolean;
  logtime: boolean;
  logtimeUTC: boolean;
  logFile?: string;
  pidFile?: string;
  portsFileDir?: string;

  lameDuckDuration: number; // ms
  lameDuckGracePeriod: number; // ms

  noHeaderSupport: boolean;
  disableSublistCache: boolean;
  /** Subject trie: native (C) when it loads, or the TypeScript twin (for comparison). */
  sublistImpl: "auto" | "native" | "ts";
  maxClosedClients: number;

  /** Monitoring (src/monitor); 0 = off. */
  httpHost?: string;
  httpPort: number;
  httpsPort: number;
  httpBasePath?: string;

  /** Simple auth from the command line (--user/--pass/--auth). */
  username?: string;
  password?: string;
  authorizationToken?: string;

  noAuthUser?: string;
  systemAccount?: string;
  noSystemAccount: boolean;

  /** operator, trusted, resolver, resolver_preload, resolver_pinned_accounts (src/auth/config-operator.ts). */
  trust?: TrustOptions;

  /** Blocks their subsystems read (auth, TLS, src/websocket, src/leafnode, src/route): parsed, kept raw. */
  authorization?: ConfMap;
  accounts?: ConfMap | ConfValue[];
  tls?: ConfMap;
  allowNonTLS?: boolean;
  websocket?: ConfMap;
  /** Embedding passes a plain object with the config file's keys, e.g. `{ remotes: [{ url: "nats-leaf://hub:7422" }] }`. */
  leafnodes?: ConfMap;
  /**
   * Embedding only (not in a config file): per leafnodes remote, in order, a
   * function that signs the hub's nonce instead of a credentials file.
   */
  leafnodeSignatures?: ReadonlyArray<LeafSignature | undefined>;
  cluster?: ConfMap;
  gateway?: ConfMap;
  mqtt?: ConfMap;
  jetstream?: ConfValue;
  /** Any other known top-level key we accept but do not act on yet. */
  extra: ConfMap;
}

export const DEFAULT_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  host: "0.0.0.0",
  port: 4222,
  maxPayload: 1024 * 1024,
  maxControlLine: 4096,
  maxPending: 64 * 1024 * 1024,
  maxConnections: 64 * 1024,
  maxSubscriptions: 0,
  maxSubTokens: 0,
  pingInterval: 2 * 60 * 1000,
  pingMax: 2,
  writeDeadline: 10 * 1000,
  debug: false,
  trace: false,
  traceVerbose: false,
  logtime: true,
  logtimeUTC: false,
  lameDuckDuration: 2 * 60 * 1000,
  lameDuckGracePeriod: 10 * 1000,
  noHeaderSupport: false,
  disableSublistCache: false,
  sublistImpl: "auto",
  maxClosedClients: 10000,
  httpPort: 0,
  httpsPort: 0,
  noSystemAccount: false,
  extra: {},
});

export function defaultOptions(): ServerOptions {
  return { ...DEFAULT_OPTIONS, extra: {} };
}
