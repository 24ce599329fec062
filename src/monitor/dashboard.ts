// /dashboard (ours, not in nats-server 2.9.10): one self-contained page that
// polls /varz and /connz relative to its own URL and draws them. The page is
// embedded as text, so the compiled binary serves it with no file beside it.

import page from "./dashboard.html" with { type: "text" };
import type { EndpointHandler } from "./reply.ts";

// bun-types declare *.html imports as HTML bundles; with type "text" Bun gives the file's text.
const HTML = page as unknown as string;

/** Not counted in http_req_stats: 2.9.10 has no such path, and /varz's keys stay its own. */
export const handleDashboard: EndpointHandler = () => ({
  status: 200,
  body: HTML,
  contentType: "text/html; charset=utf-8",
});
