// The system account's connection events, as nats-server 2.9.10 sends them
// (events.go accountConnectEvent, accountDisconnectEvent, sendAccConnsUpdate,
// enableAccountTracking, connsRequest):
// - `$SYS.ACCOUNT.<acc>.CONNECT` / `.DISCONNECT` for clients of any account
//   but the global one;
// - the account's connection count on `$SYS.SERVER.ACCOUNT.<acc>.CONNS`
//   (old) and `$SYS.ACCOUNT.<acc>.SERVER.CONNS` (new) whenever a client
//   joins or leaves it ($G included on accept, as 2.9.10 registers every new
//   connection there), and every 30 s while it has clients;
// - `$SYS.REQ.ACCOUNT.<acc>.CONNS` sent when an account is registered, and
//   answered with the count when the account has clients here.
// Built only at connect, disconnect and on timers: the message path pays nothing;
// connection counts nobody listens to (every accept, in a `$SYS` no user can
// join) are not built at all.

import type { Account } from "../accounts/account.ts";
import { jwtUserFacts } from "../accounts/jwt-recheck.ts";
import type { Client } from "../client/client.ts";
import { accountStat } from "./stats.ts";
import { nuid } from "./identity.ts";
import { goTime, type SysMessage, type SystemClient } from "./system.ts";

const HEARTBEAT_MS = 30_000;

interface TypedEvent {
  type: string;
  id: string;
  timestamp: string;
}

function typedEvent(type: string, at = new Date()): TypedEvent {
  return { type: `io.nats.server.advisory.v1.${type}`, id: nuid(), timestamp: goTime(at) };
}

/** The user JWT's name and tags (the `name_tag` and `tags` of ClientInfo); it was verified at CONNECT. */
export function jwtNameAndTags(jwt: string): { name?: string; tags?: string[] } {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as { name?: unknown; nats?: { tags?: unknown } };
    const tags = claims.nats?.tags;
    return {
      name: typeof claims.name === "string" && claims.name !== "" ? claims.name : undefined,
      tags: Array.isArray(tags) && tags.length > 0 ? (tags as string[]) : undefined,
    };
  } catch {
    return {};
  }
}

/** clientTypeString: how a client connection came in; nothing for other kinds. */
export function clientType(c: Client): string | undefined {
  if (c.kind !== "Client") return undefined;
  if (c.connectionType === "WEBSOCKET") return "websocket";
  if (c.connectionType === "MQTT" || c.connectionType === "MQTT_WS") return "mqtt";
  return "nats";
}

/** nats-server's ClientInfo of a client, in its field order, empty fields left out (omitempty). */
function clientInfo(c: Client, stop: Date | null): Record<string, unknown> {
  const o = c.opts;
  const jwt = o.jwt ?? "";
  // Known once the user JWT passed (2.9.10 sets them on success only).
  const facts = jwtUserFacts(c);
  const fromJwt = facts === undefined ? {} : jwtNameAndTags(jwt);
  // getRawAuthUser: the nkey, user name, JWT user key or token the client came with.
  const user = o.nkey || o.user || (jwt !== "" ? c.userName : o.auth_token) || undefined;
  const rtt = stop !== null && c.rtt > 0 ? Math.round(c.rtt * 1e6) : undefined;
  return {
    start: goTime(new Date(c.start)),
    host: c.host || undefined,
    id: c.cid,
    acc: c.account.name,
    user,
    name: o.name || undefined,
    lang: o.lang || undefined,
    ver: o.version || undefined,
    rtt,
    stop: stop === null ? undefined : goTime(stop),
    jwt: jwt || undefined,
    issuer_key: facts?.issuer,
    name_tag: fromJwt.name,
    tags: fromJwt.tags,
    kind: c.kind,
    client_type: clientType(c),
  };
}

/** `$SYS.ACCOUNT.<acc>.CONNECT`, once a client of an account other than the global one is authenticated. */
export function connectEvent(sys: SystemClient, c: Client, global: Account): void {
  if (c.account === global) return;
  const ev = typedEvent("client_connect");
  sys.publish(`$SYS.ACCOUNT.${c.account.name}.CONNECT`, "", JSON.stringify({ ...ev, server: sys.serverInfo(), client: clientInfo(c, null) }));
}

/** `$SYS.ACCOUNT.<acc>.DISCONNECT` when such a client has closed. */
export function disconnectEvent(sys: SystemClient, c: Client, global: Account): void {
  if (c.account === global) return;
  sys.publish(`$SYS.ACCOUNT.${c.account.name}.DISCONNECT`, "", disconnectMessage(sys, c, c.closeReason ?? ""));
}

/** `$SYS.SERVER.<id>.CLIENT.AUTH.ERR` when a client fails authentication (any account, $G included): a disconnect message. */
export function authErrorEvent(sys: SystemClient, c: Client, serverId: string): void {
  sys.publish(`$SYS.SERVER.${serverId}.CLIENT.AUTH.ERR`, "", disconnectMessage(sys, c, "Authentication Failure"));
}

/** nats-server's DisconnectEventMsg. `sent` is what the client sent, as 2.9.10 counts it. */
function disconnectMessage(sys: SystemClient, c: Client, reason: string): string {
  const now = new Date();
  return JSON.stringify({
    ...typedEvent("client_disconnect", now),
    server: sys.serverInfo(),
    client: clientInfo(c, now),
    sent: { msgs: c.inMsgs, bytes: c.inBytes },
    received: { msgs: c.outMsgs, bytes: c.outBytes },
    reason,
  });
}

const heartbeats = new WeakMap<Account, ReturnType<typeof setTimeout>>();

/**
 * The account's connection count on both CONNS subjects (or only on
 * `reply`, answering a request); while it has clients, again every 30 s.
 */
export function accountConnsUpdate(sys: SystemClient, a: Account, reply?: string): void {
  const conns = a.clients.size;
  let ev: TypedEvent | undefined;
  const stat = (): string => JSON.stringify({ ...(ev ??= typedEvent("account_connections")), server: sys.serverInfo(), ...accountStat(a) });
  clearTimeout(heartbeats.get(a));
  heartbeats.delete(a);
  if (conns > 0) heartbeats.set(a, setTimeout(accountConnsUpdate, HEARTBEAT_MS, sys, a).unref());
  const subjects = reply !== undefined ? [reply] : [`$SYS.SERVER.ACCOUNT.${a.name}.CONNS`, `$SYS.ACCOUNT.${a.name}.SERVER.CONNS`];
  for (const subject of subjects) {
    if (sys.listened(subject)) sys.publish(subject, "", stat());
    else sys.skip();
  }
}

/** When an account is registered: asks (other servers) for its connections, as 2.9.10's enableAccountTracking. */
export function trackAccount(sys: SystemClient, a: Account, serverId: string): void {
  sys.publish(`$SYS.REQ.ACCOUNT.${a.name}.CONNS`, `$SYS._INBOX_.${serverId}`, JSON.stringify({ server: sys.serverInfo(), acc: a.name }));
}

/** Answers `$SYS.REQ.ACCOUNT.<acc>.CONNS` with the count of a loaded account that has clients here. */
export function serveConnsRequests(sys: SystemClient, accounts: ReadonlyMap<string, Account>, serverId: string): void {
  // Our own trackAccount requests do not come here: the internal client has no echo.
  sys.subscribe("$SYS.REQ.ACCOUNT.*.CONNS", (m: SysMessage) => {
    const name = m.subject.split(".")[3]!;
    // A body, if any, must name the same account (2.9.10 logs and drops it otherwise).
    if (m.payload.length > 0 && requestedAccount(m.payload, name) !== name) return;
    const a = accounts.get(name);
    if (a !== undefined && a.clients.size > 0 && m.reply !== "") accountConnsUpdate(sys, a, m.reply);
  });
}

/** The `acc` of a CONNS request body (the subject's account when it has none), or null when the body does not decode. */
function requestedAccount(payload: Uint8Array, name: string): unknown {
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (body === null) return name;
    if (typeof body !== "object" || Array.isArray(body)) return null;
    return "acc" in body ? body.acc : name;
  } catch {
    return null;
  }
}

/**
 * `$SYS.SERVER.<id>.SHUTDOWN` at shutdown (after lame duck too, 2.9.10 sends
 * none on entering it): the body is the `server` object alone.
 */
export function shutdownEvent(sys: SystemClient, serverId: string): void {
  sys.publish(`$SYS.SERVER.${serverId}.SHUTDOWN`, "", JSON.stringify(sys.serverInfo()));
}
