// nats-server 2.9.10's EventFilterOptions (events.go filterRequest): which
// servers answer a system account request. Every <X>EventOptions struct
// embeds it, so its fields decode with the request's own (go-options.ts).

import type { ServerOptions } from "../config/types.ts";
import { GO_STRING, GO_STRINGS, type GoFields } from "./go-options.ts";

export const EVENT_FILTER_FIELDS: GoFields = {
  server_name: GO_STRING,
  cluster: GO_STRING,
  host: GO_STRING,
  tags: GO_STRINGS,
  domain: GO_STRING,
};

export interface EventFilter {
  server_name?: string;
  cluster?: string;
  host?: string;
  tags?: string[];
  domain?: string;
}

/** Whether the filter leaves this server out (a standalone server: no cluster, tags or JetStream domain). */
export function filteredOut(server: { readonly name: string; readonly options: ServerOptions }, f: EventFilter): boolean {
  if (f.server_name && !server.name.includes(f.server_name)) return true;
  if (f.host && !server.options.host.includes(f.host)) return true;
  if (f.cluster) return true;
  if (f.tags !== undefined && f.tags.length > 0) return true;
  return Boolean(f.domain);
}
