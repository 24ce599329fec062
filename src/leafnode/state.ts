// What a leaf node connection keeps beyond a client's state (nats-server
// 2.9.10's `leaf` struct): which side solicited it, its role, the remote
// server it talks to, and the interest this side has told it about.

import type { Account } from "../accounts/account.ts";
import type { AuthConfig } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import type { Logger } from "../server/logger.ts";
import type { ServerOptions } from "../config/types.ts";
import type { LeafnodeOptions } from "./options.ts";
import type { RemoteLeaf } from "./remote.ts";

/** What the leaf node code needs from the server. */
export interface LeafHost {
  readonly id: string;
  readonly name: string;
  /** The cluster's name; "" without a cluster. */
  readonly clusterName: string;
  readonly options: ServerOptions;
  readonly logger: Logger;
  readonly leafnodeOptions: LeafnodeOptions | null;
  /** The leaf listener's port (0 without one). */
  readonly leafnodePort: number;
  /** This server's leaf node URL and those of its cluster's other servers. */
  leafnodeURLs(): string[];
  readonly headersSupported: boolean;
  /** Registered leaf node connections by cid (the reference's s.leafs). */
  readonly leafs: Map<number, Client>;
  readonly auth: AuthConfig;
  /** The websocket block's no_auth_user ("" without one): it replaces the server's for leaf nodes over WebSocket. */
  readonly websocketNoAuthUser: string;
  /** Operator mode: accounts by public key (user JWTs of leaf nodes). */
  jwtAccount(name: string): Account | string | Promise<Account | string>;
  pinnedAccountFails: number;
  accountFor(name: string): Account;
  /**
   * A leaf node connection joined its account: the system account hears of
   * the account's connections and, when the server's own users authenticated
   * it, of a CONNECT (2.9.10 addClient, accountConnectEvent).
   */
  leafRegistered(c: Client, asClientUser: boolean): void;
  /** The account of that name if it exists (static config), or its JWT account (operator mode); null when unknown. */
  lookupAccount(name: string): Account | null;
}

export class LeafState {
  /** This side is the spoke: it solicited without `hub: true`, or the solicitor said it is the hub. */
  isSpoke: boolean;
  /** The remote's server name (or id), cluster and domain, from its CONNECT or INFO. */
  remoteServer = "";
  remoteCluster = "";
  /**
   * Interest told to the other side, by key (`subject` or `subject queue`):
   * how many subscriptions stand behind it. Null until the connection is bound.
   */
  smap: Map<string, number> | null = null;
  /** The INFO was received (solicited side). */
  infoReceived = false;
  /** Solicited: waiting for the INFO, or for the one with connect_info. */
  timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly host: LeafHost,
    /** The remote this side dialed; null on the accepting side. */
    readonly remote: RemoteLeaf | null,
  ) {
    this.isSpoke = remote !== null && !remote.opts.hub;
  }

  get solicited(): boolean {
    return this.remote !== null;
  }
}
