// The monitoring endpoints by path (nats-server 2.9.10's server.go
// constants), each a handler in its own module, and the index page at the
// base path.

import { VERSION } from "../server/version.ts";
import { handleAccountz } from "./accountz.ts";
import { handleAccstatz } from "./accstatz.ts";
import { handleDashboard } from "./dashboard.ts";
import { handleMetrics } from "./metrics.ts";
import { handleGatewayz } from "./gatewayz.ts";
import { handleHealthz } from "./healthz.ts";
import { handleJsz } from "./jsz.ts";
import { handleLeafz } from "./leafz.ts";
import { handleRoutez } from "./routez.ts";
import { handleVarz } from "./varz.ts";
import { handleConnz } from "./connz.ts";
import { handleSubsz } from "./subsz.ts";
import { basePath, textReply, type EndpointHandler, type MonitorRequest, type Reply } from "./reply.ts";

export const ROOT_PATH = "/";

/** Path (before http_base_path) and handler; stat keys are these paths. */
export const ENDPOINTS: ReadonlyArray<readonly [string, EndpointHandler]> = [
  ["/varz", handleVarz],
  ["/connz", handleConnz],
  ["/subsz", handleSubsz],
  ["/subscriptionsz", handleSubsz],
  ["/healthz", handleHealthz],
  ["/jsz", handleJsz],
  ["/routez", handleRoutez],
  ["/gatewayz", handleGatewayz],
  ["/leafz", handleLeafz],
  ["/dashboard", handleDashboard],
  ["/accountz", handleAccountz],
  ["/accstatz", handleAccstatz],
  ["/metrics", handleMetrics],
];

/** Links of the index page, in 2.9.10's order, then our own additions. */
const LINKS: ReadonlyArray<readonly [string, string]> = [
  ["General", "/varz"],
  ["JetStream", "/jsz"],
  ["Connections", "/connz"],
  ["Accounts", "/accountz"],
  ["Account Stats", "/accstatz"],
  ["Subscriptions", "/subsz"],
  ["Routes", "/routez"],
  ["LeafNodes", "/leafz"],
  ["Gateways", "/gatewayz"],
  ["Health Probe", "/healthz"],
  ["Dashboard", "/dashboard"],
  ["Metrics", "/metrics"],
];

/** The index page: a plain list of the endpoints, relative to the base path. */
export function rootPage(req: MonitorRequest): Reply {
  req.count();
  const base = req.host.options.httpBasePath;
  const links = LINKS.map(([label, p]) => `    <a href=".${basePath(base, p)}">${label}</a>`).join("\n");
  const html = `<html lang="en">
  <head>
    <title>nats-bun monitoring</title>
    <style>
      body { font-family: system-ui, sans-serif; margin-left: 32px }
      a { display: block; padding-bottom: 6px; color: #48485c; text-decoration: none }
      a:hover { font-weight: 600; color: #3b32ca }
    </style>
  </head>
  <body>
    <h1>nats-bun</h1>
    <p>v${VERSION}</p>
${links}
  </body>
</html>
`;
  return { ...textReply(200, html), contentType: "text/html; charset=utf-8" };
}
