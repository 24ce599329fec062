// The system account's services beyond claim updates: STATSZ (statsz.ts)
// and the account connection-count requests (events.ts). The events
// themselves are sent from the server's connection lifecycle.

import type { Account } from "../accounts/account.ts";
import { serveConnsRequests } from "./events.ts";
import { serveStatsz, type StatszHost } from "./statsz.ts";
import type { SystemClient } from "./system.ts";

/** Starts them; returns what stops their timers (at shutdown). */
export function startSystemServices(sys: SystemClient, host: StatszHost & { readonly accounts: ReadonlyMap<string, Account> }): () => void {
  serveConnsRequests(sys, host.accounts, host.id);
  return serveStatsz(sys, host);
}
