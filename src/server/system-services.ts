// The system account's services beyond claim updates: STATSZ (statsz.ts),
// the account connection-count requests (events.ts) and the monitoring
// requests (monitor/sys-requests.ts). The events themselves are sent from
// the server's connection lifecycle.

import type { MonitorHost } from "../monitor/host.ts";
import { serveMonitorRequests } from "../monitor/sys-requests.ts";
import { serveConnsRequests } from "./events.ts";
import { serveStatsz } from "./statsz.ts";
import type { SystemClient } from "./system.ts";

/** Starts them; returns what stops their timers (at shutdown). */
export function startSystemServices(sys: SystemClient, host: MonitorHost): () => void {
  serveConnsRequests(sys, host.accounts, host.id);
  serveMonitorRequests(sys, host);
  return serveStatsz(sys, host);
}
