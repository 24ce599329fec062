// What a route connection keeps beyond a client's state (nats-server
// 2.9.10's `route` struct): the URL it was dialed on (solicited), the peer
// server it leads to, what the peer advertises for clients and leaf nodes,
// and the peer's interest by account.

import type { Account } from "../accounts/account.ts";
import type { CompiledPermissions } from "../auth/permissions.ts";
import type { SubjectPermission } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import type { ServerOptions } from "../config/types.ts";
import type { Logger } from "../server/logger.ts";
import type { Subscription } from "../delivery/subscription.ts";
import type { RouteURL } from "./options.ts";

/** What the route code needs from the server. */
export interface RouteHost {
  readonly id: string;
  readonly name: string;
  readonly options: ServerOptions;
  readonly logger: Logger;
  readonly headersSupported: boolean;
  readonly accounts: ReadonlyMap<string, Account>;
  /** The cluster's name (configured, or this server's dynamic one). */
  readonly clusterName: string;
  /** No name is configured: this server's name may give way to a peer's. */
  readonly clusterDynamic: boolean;
  /** Takes a peer's cluster name (made the configured one when `configured`); every other route closes. */
  adoptClusterName(name: string, configured: boolean, keep: Client): void;
  /** Registered routes by the peer's server id (the reference's s.remotes). */
  readonly routesById: Map<string, Client>;
  /** The account a route names, if this server knows it (static config, or loaded in operator mode). */
  lookupAccount(name: string): Account | null;
  /** The INFO this server sends on route connections (with a fresh nonce when asked). */
  routeInfoLine(withNonce: boolean): string;
  /** The user and password of cluster authorization, for CONNECT to a route that asks for it; null without. */
  readonly routeCredentials: { user: string; password: string } | null;
  /** Dials a route learned from a peer (gossip) unless it is known already. */
  connectImplicitRoute(url: RouteURL): void;
  /** A peer's client URLs joined or left: clients get an async INFO. */
  clientURLsChanged(): void;
  /** A peer's leaf node URL came or went: leaf node connections get an INFO with the new list. */
  leafnodeURLsChanged(): void;
}

export class RouteState {
  /** The peer's server id (from its CONNECT's name or its INFO), its name, and whether its INFO came. */
  remoteId = "";
  remoteName = "";
  infoReceived = false;
  /** The credentials of an accepted route's CONNECT, checked again when the cluster authorization is reloaded. */
  user = "";
  pass = "";
  registered = false;
  /** What the peer advertises for clients (connect_urls, ws_connect_urls). */
  connectURLs: string[] = [];
  /** The peer's leaf node URL, passed on to this server's leaf node connections ("" without one). */
  leafnodeURL = "";
  wsConnectURLs: string[] = [];
  /** The permissions the peer's INFO announced (import, export), as sent: /routez shows them. */
  peerImport: unknown = undefined;
  peerExport: unknown = undefined;
  /** The cluster permissions this connection is held to (import: RS+ sent, export: RS+ taken); set when it is made and on reload. */
  perms: CompiledPermissions | null = null;
  /** What the peer's INFO says it exports, to tell a change in a later INFO (its reload). */
  remoteExport: SubjectPermission | null = null;
  /** The peer understands interest and messages tagged with a leaf node cluster (LS+/LMSG, its INFO's or CONNECT's `lnoc`). */
  lnoc = false;
  /**
   * The peer's interest: key `account subject [queue]` to the subscription in
   * that account, and the leaf node cluster it came from ("" for none: RS+).
   */
  readonly subs = new Map<string, { account: Account; sub: Subscription; origin: string }>();

  constructor(
    readonly host: RouteHost,
    /** Where the peer listens: the URL dialed, or (accepted) what its INFO says. */
    public url: RouteURL | null,
    /** This side dialed the connection. */
    readonly didSolicit: boolean,
    /** Configured in `routes` (retried forever), rather than learned from gossip. */
    readonly explicit: boolean,
  ) {}
}

/**
 * The leaf node cluster a subscription's interest came from: the cluster of
 * the leaf node connection it belongs to, or the one a route's LS+ named;
 * "" for any other (no cluster name, RS+, local).
 */
export function subOrigin(sub: Subscription): string {
  const c = sub.client;
  if (c === null) return "";
  if (c.leaf !== null) return c.leaf.remoteCluster;
  if (c.route !== null) return c.route.subs.get(sub.sid)?.origin ?? "";
  return "";
}
