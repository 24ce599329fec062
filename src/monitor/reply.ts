// What an endpoint handler gets and gives back, apart from the listener
// (http.ts), so endpoint modules and the routes table do not import the
// listener that imports them.

import type { MonitorHost } from "./host.ts";
import { goMarshalIndent } from "./json.ts";

/** An answer before it becomes an HTTP response. */
export interface Reply {
  status: number;
  body: string;
  contentType: string;
}

/** What an endpoint handler gets. */
export interface MonitorRequest {
  readonly query: URLSearchParams;
  readonly host: MonitorHost;
  /** Counts the request in varz's http_req_stats (handlers call it where 2.9.10 counts), under `stat` for an alias. */
  count(stat?: string): void;
}

export type EndpointHandler = (req: MonitorRequest) => Reply;

const TEXT = "text/plain; charset=utf-8";

/** 2.9.10's ResponseHandler: indented JSON (or as `marshal` writes it), or `callback(json)` as JavaScript. */
export function jsonReply(req: MonitorRequest, v: unknown, status = 200, marshal: (v: unknown) => string = goMarshalIndent): Reply {
  const data = marshal(v);
  const callback = req.query.get("callback") ?? "";
  if (callback !== "") return { status, body: `${callback}(${data})`, contentType: "application/javascript" };
  return { status, body: data, contentType: "application/json" };
}

export function textReply(status: number, body: string): Reply {
  return { status, body, contentType: TEXT };
}

/** path.Join(base, p) as Go writes it: one slash between, none trailing (but "/" alone). */
export function basePath(base: string | undefined, p: string): string {
  const joined = `/${base ?? ""}/${p}`.replace(/\/+/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}
