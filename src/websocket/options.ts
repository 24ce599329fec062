// The `websocket {}` block, read as nats-server 2.9.10 reads it (opts.go
// parseWebsocket, parseSimpleAuth) and checked as validateWebsocketOptions
// checks it when the server is created.

import { Abort, Collector, entries, goType, recover } from "../auth/config-util.ts";
import { ConfigError } from "../config/errors.ts";
import { parseGoDuration } from "../config/duration.ts";
import { posOf } from "../config/meta.ts";
import { parseListen } from "../config/address.ts";
import type { ConfMap, ServerOptions } from "../config/types.ts";
import { buildTLSConfig, type TLSConfig } from "../server/tls.ts";

export interface WebsocketOptions {
  host: string;
  /** 0: no websocket listener; -1: any free port. */
  port: number;
  advertise: string;
  noTls: boolean;
  tls: TLSConfig | null;
  sameOrigin: boolean;
  allowedOrigins: string[];
  /** 0: none. */
  handshakeTimeoutMs: number;
  compression: boolean;
  username: string;
  password: string;
  token: string;
  /** authorization.timeout in seconds (0: the server's). */
  authTimeout: number;
  jwtCookie: string;
  noAuthUser: string;
}

function defaults(): WebsocketOptions {
  return {
    host: "",
    port: 0,
    advertise: "",
    noTls: false,
    tls: null,
    sameOrigin: false,
    allowedOrigins: [],
    handshakeTimeoutMs: 0,
    compression: false,
    username: "",
    password: "",
    token: "",
    authTimeout: 0,
    jwtCookie: "",
    noAuthUser: "",
  };
}

/** Parses the block (null without one); throws ConfigError listing every problem. */
export function parseWebsocketOptions(o: ServerOptions): WebsocketOptions | null {
  const block = o.websocket;
  if (block === undefined) return null;
  const ws = defaults();
  const c = new Collector();
  for (const [key, lower] of entries(block)) {
    recover(() => readEntry(c, block, key, lower, ws));
  }
  if (c.errors.length > 0) throw new ConfigError(c.errors, c.warnings);
  // Every interface when the block names none (opts.go setBaselineOptions), whatever the client port's host.
  if (ws.host === "") ws.host = "0.0.0.0";
  return ws;
}

function readEntry(c: Collector, block: ConfMap, key: string, lower: string, ws: WebsocketOptions): void {
  switch (lower) {
    case "listen":
      try {
        const hp = parseListen(block[key]!);
        ws.host = hp.host;
        ws.port = hp.port;
      } catch (e) {
        c.error(posOf(block, key), (e as Error).message);
      }
      return;
    case "port":
      ws.port = c.int(block, key);
      return;
    case "host":
    case "net":
      ws.host = c.string(block, key);
      return;
    case "advertise":
      ws.advertise = c.string(block, key);
      return;
    case "no_tls":
      ws.noTls = c.bool(block, key);
      return;
    case "tls":
      try {
        ws.tls = buildTLSConfig(c.map(block, key));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        c.errors.push(...e.errors);
      }
      return;
    case "same_origin":
      ws.sameOrigin = c.bool(block, key);
      return;
    case "allowed_origins":
    case "allowed_origin":
    case "allow_origins":
    case "allow_origin":
    case "origins":
    case "origin": {
      const v = block[key]!;
      if (typeof v === "string") ws.allowedOrigins = [v];
      else {
        const list = c.array(block, key);
        ws.allowedOrigins = list.map((_, i) => c.string(list, i));
      }
      return;
    }
    case "handshake_timeout": {
      const v = block[key]!;
      if (typeof v === "number" && Number.isInteger(v)) ws.handshakeTimeoutMs = v * 1000;
      else if (typeof v === "string") {
        try {
          ws.handshakeTimeoutMs = parseGoDuration(v);
        } catch (e) {
          c.error(posOf(block, key), (e as Error).message);
        }
      } else c.error(posOf(block, key), `error parsing handshake timeout: unsupported type ${goType(v)}`);
      return;
    }
    case "compress":
    case "compression":
      ws.compression = c.bool(block, key);
      return;
    case "authorization":
    case "authentication":
      readSimpleAuth(c, c.map(block, key), ws);
      return;
    case "jwt_cookie":
      ws.jwtCookie = c.string(block, key);
      return;
    case "no_auth_user":
      ws.noAuthUser = c.string(block, key);
      return;
    default:
      c.unknown(block, key);
  }
}

/** parseSimpleAuth: user/username, pass/password, token, timeout (seconds, default 1 when not a number). */
function readSimpleAuth(c: Collector, m: ConfMap, ws: WebsocketOptions): void {
  for (const [key, lower] of entries(m)) {
    recover(() => {
      switch (lower) {
        case "user":
        case "username":
          ws.username = c.string(m, key);
          return;
        case "pass":
        case "password":
          ws.password = c.string(m, key);
          return;
        case "token":
          ws.token = c.string(m, key);
          return;
        case "timeout": {
          const v = m[key];
          ws.authTimeout = typeof v === "number" ? v : 1;
          return;
        }
        default:
          c.unknown(m, key);
          throw new Abort();
      }
    });
  }
}

/** validateWebsocketOptions: why the server must not start, or null. */
export function websocketProblem(ws: WebsocketOptions | null, users: readonly string[], hasNkeys: boolean, operatorMode: boolean): string | null {
  if (ws === null || ws.port === 0) return null;
  if (ws.tls === null && !ws.noTls) return "websocket requires TLS configuration";
  for (const ao of ws.allowedOrigins) {
    // Go's url.Parse refuses little beyond control characters.
    if (/[\x00-\x1f\x7f]/.test(ao)) return `unable to parse allowed origin: parse ${JSON.stringify(ao)}: net/url: invalid control character in URL`;
  }
  if (ws.noAuthUser !== "") {
    if (operatorMode) return "no_auth_user not compatible with Trusted Operator";
    if (users.length === 0) return `no_auth_user: "${ws.noAuthUser}" present, but users are not defined`;
    if (!users.includes(ws.noAuthUser)) return `no_auth_user: "${ws.noAuthUser}" not present as user in authorization block or account configuration`;
  }
  if (users.length > 0 || hasNkeys) {
    if (ws.username !== "") return "websocket authentication username not compatible with presence of users/nkeys";
    if (ws.token !== "") return "websocket authentication token not compatible with presence of users/nkeys";
  }
  if (ws.jwtCookie !== "" && !operatorMode) {
    return `trusted operators or trusted keys configuration is required for JWT authentication via cookie ${JSON.stringify(ws.jwtCookie)}`;
  }
  return null;
}
