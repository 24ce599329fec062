// What the monitoring endpoints read from the server. The Server class
// implements it; every field is a plain read, so a request never touches
// the message path.

import type { Account } from "../accounts/account.ts";
import type { AuthConfig } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import type { ServerOptions } from "../config/types.ts";
import type { Logger } from "../server/logger.ts";
import type { StatsHost } from "../server/stats.ts";
import type { SystemClient } from "../server/system.ts";
import type { TLSConfig } from "../server/tls.ts";
import type { ClosedConns } from "./closed-conns.ts";
import type { WebsocketOptions } from "../websocket/options.ts";
import type { LeafnodeOptions } from "../leafnode/options.ts";
import type { ClusterOptions } from "../route/options.ts";

export interface MonitorHost extends StatsHost {
  readonly id: string;
  readonly name: string;
  readonly options: ServerOptions;
  readonly logger: Logger;
  readonly auth: AuthConfig;
  readonly tls: TLSConfig | null;
  readonly globalAccount: Account;
  readonly system: SystemClient | null;
  /** The client port actually listened on. */
  readonly port: number;
  readonly staleConnections: number;
  /** Requests per endpoint path (varz's http_req_stats), counted where 2.9.10 counts them. */
  readonly httpReqStats: Map<string, number>;
  /** The last closed connections (/connz?state=closed). */
  readonly closedConns: ClosedConns;
  /** The websocket block, or null. */
  readonly websocketOptions: WebsocketOptions | null;
  /** The websocket port actually listened on (0 without one). */
  readonly websocketPort: number;
  /** The monitoring listener's port once started (0 before). */
  readonly monitorPort: number;
  /** When the configuration was last loaded (start, then each reload): varz's config_load_time. */
  readonly configTime: Date;
  /** Route connections by cid (registered or not: see RouteState.registered). */
  readonly routes: ReadonlyMap<number, Client>;
  /** The cluster block, or null. */
  readonly clusterOptions: ClusterOptions | null;
  /** The cluster's name (configured or dynamic; "" without routing). */
  readonly clusterName: string;
  /** The route port actually listened on (0 without one). */
  readonly routePort: number;
  /** Leaf node connections by cid. */
  readonly leafs: ReadonlyMap<number, Client>;
  /** The leafnodes block, or null. */
  readonly leafnodeOptions: LeafnodeOptions | null;
  /** The leaf node port actually listened on (0 without one). */
  readonly leafnodePort: number;
  /** Clients refused because their account is not in resolver_pinned_accounts. */
  readonly pinnedAccountFails: number;
}
