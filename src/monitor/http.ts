// The monitoring listener (nats-server 2.9.10's startMonitoring): one
// Bun.serve on http or https (the server's tls block, no client
// certificates), endpoints under http_base_path, answers as Go's ServeMux
// and monitor.go give them: exact paths, the root page only at the base
// path itself, 404 "404 page not found" elsewhere, JSON or JSONP
// (`callback=`), 400 with a plain-text reason for a bad query value.

import type { Server as BunServer } from "bun";
import { hostPort } from "../config/address.ts";
import { MonitorError } from "./errors.ts";
import type { MonitorHost } from "./host.ts";
import { goQuery, QueryError } from "./query.ts";
import { basePath, textReply, type EndpointHandler, type MonitorRequest } from "./reply.ts";
import { ENDPOINTS, ROOT_PATH, rootPage } from "./routes.ts";

const NOT_FOUND = textReply(404, "404 page not found\n");

export class MonitorListener {
  private server: BunServer<undefined> | null = null;
  private readonly handlers = new Map<string, { stat: string; handler: EndpointHandler }>();
  readonly secure: boolean;

  constructor(private readonly host: MonitorHost) {
    const o = host.options;
    this.secure = o.httpPort === 0 && o.httpsPort !== 0;
    for (const [path, handler] of ENDPOINTS) this.handlers.set(basePath(o.httpBasePath, path), { stat: path, handler });
    this.handlers.set(basePath(o.httpBasePath, ROOT_PATH), { stat: ROOT_PATH, handler: rootPage });
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Listens; throws 2.9.10's reason (for "Can't start monitoring: ...") when it cannot. */
  start(): void {
    const o = this.host.options;
    const port = this.secure ? o.httpsPort : o.httpPort;
    const hostname = o.httpHost ?? o.host;
    const tls = this.host.tls;
    if (this.secure && tls === null) throw new Error("TLS cert and key required for HTTPS");
    try {
      this.server = Bun.serve({
        hostname,
        port: port === -1 ? 0 : port,
        // Go's http.Server has no body limit of its own here; requests carry none.
        maxRequestBodySize: 1 << 20,
        tls: this.secure && tls !== null ? { cert: tls.cert, key: tls.key, ca: tls.ca } : undefined,
        fetch: (req) => this.answer(req),
        error: (e) => {
          this.host.logger.error(`monitoring: ${e.message}`);
          return new Response("Internal Server Error", { status: 500 });
        },
      });
    } catch (e) {
      throw new Error(`can't listen to the monitor port: listen tcp ${hostPort(hostname, port === -1 ? 0 : port)}: ${bindReason(e)}`);
    }
    this.host.logger.notice(`Starting ${this.secure ? "https" : "http"} monitor on ${hostPort(hostname, this.port)}`);
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }

  private answer(req: Request): Response {
    const url = new URL(req.url);
    const entry = this.handlers.get(url.pathname);
    let reply = NOT_FOUND;
    if (entry !== undefined) {
      const stats = this.host.httpReqStats;
      const request: MonitorRequest = {
        query: goQuery(url.search),
        host: this.host,
        count: (stat = entry.stat) => stats.set(stat, (stats.get(stat) ?? 0) + 1),
      };
      try {
        reply = entry.handler(request);
      } catch (e) {
        if (e instanceof QueryError) reply = textReply(400, e.message);
        else if (e instanceof MonitorError) reply = textReply(e.status, e.message);
        else throw e;
      }
    }
    const headers: Record<string, string> = { "Content-Type": reply.contentType };
    if (reply === NOT_FOUND) headers["X-Content-Type-Options"] = "nosniff";
    return new Response(reply.body, { status: reply.status, headers });
  }
}

/** Go's wording for the usual bind failures. */
function bindReason(e: unknown): string {
  const code = (e as { code?: string }).code ?? "";
  if (code === "EADDRINUSE" || /in use/i.test(String(e))) return "bind: address already in use";
  if (code === "EACCES") return "bind: permission denied";
  if (code === "EADDRNOTAVAIL") return "bind: cannot assign requested address";
  return (e as Error).message ?? String(e);
}
