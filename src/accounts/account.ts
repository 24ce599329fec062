// An account: an isolated subject space. Every connection belongs to one;
// messages cross accounts only through exports and imports (imports.ts).

import { createSublist, type SublistImpl } from "../sublist/index.ts";
import type { Sublist } from "../sublist/types.ts";
import type { Subscription } from "../delivery/subscription.ts";
import type { Client } from "../client/client.ts";
import type { AccountLimits, ExportDef, ImportDef } from "../auth/types.ts";
import type { SubjectMapper } from "./mappings.ts";
import type { StreamImport } from "./stream-import.ts";
import type { JwtAccountState } from "./jwt-account.ts";

export const GLOBAL_ACCOUNT = "$G";

const NO_LIMITS: AccountLimits = { maxConnections: 0, maxSubscriptions: 0, maxPayload: 0, maxLeafnodes: 0 };

export class Account {
  readonly sublist: Sublist<Subscription>;
  readonly clients = new Set<Client>();
  limits: AccountLimits;
  /** Subject mappings applied to what is published here (see mappings.ts). */
  mapper: SubjectMapper | null = null;
  /** This account's stream imports: its subscriptions get shadows in the exporters. */
  streamImports: StreamImport[] = [];
  /** Internal subscriptions of this account's service imports. */
  serviceImports: Subscription[] = [];
  /** Operator mode: what the account JWT says (null for configured accounts). */
  jwt: JwtAccountState | null = null;
  /** The exports and imports wired now (imports.ts), for /accountz. */
  wired: { exports: readonly ExportDef[]; imports: ImportDef[] } = { exports: [], imports: [] };
  /** When it was registered or its claims last applied (2.9.10's update_time). */
  updated = new Date();
  /**
   * 2.9.10's per-account counters (/accstatz, STATZ): messages its clients
   * published (received) and messages routed in it to subscribers (sent),
   * bumped on the message path with the client's own; slow consumers closed.
   */
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  slowConsumers = 0;
  /** Leaf node connections bound to this account, once registered (interest goes to them). */
  readonly leafs = new Set<Client>();
  /** This server's own interest by key, as routes are told of it; null until the first route registers. */
  routeMap: Map<string, number> | null = null;
  /** The server's route connections, for interest that changes outside a connection's own SUB (imports, response mappings). */
  routes: ReadonlyMap<number, Client> | null = null;
  /** The leaf node loop detection subject (`$LDS.<nuid>`), made on first use. */
  lds = "";

  constructor(
    readonly name: string,
    opts: { cache: boolean; impl?: SublistImpl; limits?: AccountLimits },
  ) {
    this.sublist = createSublist<Subscription>({ cache: opts.cache, impl: opts.impl });
    this.limits = opts.limits ?? NO_LIMITS;
  }
}
