// The HTTP side of a WebSocket connection (nats-server 2.9.10 websocket.go
// wsUpgrade, checkOrigin): the request checks in RFC 6455's order, each
// refusal answered with the reference's status, status text and
// `Sec-Websocket-Version: 13`, and what the upgrade tells about the client.

import { isIP as netIsIP } from "node:net";
import type { WebsocketOptions } from "./options.ts";

/** What a connection keeps from its upgrade request. */
export interface UpgradeInfo {
  /** Per-message deflate agreed (the option is on and the client offered it). */
  compress: boolean;
  /** A browser (User-Agent `Mozilla/...`): output goes in frames of at most 4 KB. */
  browser: boolean;
  /** Safari: compressed output is not split. */
  noCompressedFragments: boolean;
  /** The jwt_cookie's value ("" when none). */
  cookieJwt: string;
  /** The peer's address (what monitoring and INFO show, as 2.9.10). */
  ip: string;
  /** X-Forwarded-For when it holds a valid IP ("" otherwise): 2.9.10 shows it in log lines only. */
  forwardedFor: string;
  port: number;
  /** Came in on `/leafnode...` (a leaf node over WebSocket). */
  leaf: boolean;
}

/** Why an upgrade was refused: HTTP status and the reason logged. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed" };

/** The refusal as Go's http.Error writes it. */
export function refusalResponse(r: UpgradeRefusal): Response {
  return new Response(`${STATUS_TEXT[r.status]}\n`, {
    status: r.status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", "Sec-Websocket-Version": "13" },
  });
}

/** Whether a comma-separated header holds `value` (case-insensitive), as wsHeaderContains. */
function headerContains(h: Headers, name: string, value: string): boolean {
  const v = h.get(name);
  if (v === null) return false;
  const want = value.toLowerCase();
  return v.split(",").some((t) => t.trim().toLowerCase() === want);
}

/** Checks the request; the refusal, or what to keep from it. */
export function checkUpgrade(
  req: Request,
  url: URL,
  opts: WebsocketOptions,
  secure: boolean,
  peer: { address: string; port: number },
): UpgradeRefusal | UpgradeInfo {
  const h = req.headers;
  if (req.method !== "GET") return { status: 405, reason: "request method must be GET" };
  const host = h.get("host") ?? "";
  if (host === "") return { status: 400, reason: "'Host' missing in request" };
  if (!headerContains(h, "upgrade", "websocket")) return { status: 400, reason: "invalid value for header 'Upgrade'" };
  if (!headerContains(h, "connection", "upgrade")) return { status: 400, reason: "invalid value for header 'Connection'" };
  if ((h.get("sec-websocket-key") ?? "") === "") return { status: 400, reason: "key missing" };
  if (!headerContains(h, "sec-websocket-version", "13")) return { status: 400, reason: "invalid version" };
  const origin = checkOrigin(h, host, opts, secure);
  if (origin !== null) return { status: 403, reason: `origin not allowed: ${origin}` };
  const ua = h.get("user-agent") ?? "";
  const compress = opts.compression && offersDeflate(h);
  const leaf = url.pathname.startsWith("/leafnode");
  // Only clients are taken for browsers (2.9.10).
  const browser = !leaf && ua.startsWith("Mozilla/");
  const forwarded = h.get("x-forwarded-for") ?? "";
  return {
    compress,
    browser,
    noCompressedFragments: browser && compress && ua.includes("Version/") && ua.includes("Safari/"),
    cookieJwt: opts.jwtCookie !== "" ? cookieValue(h.get("cookie") ?? "", opts.jwtCookie) : "",
    ip: peer.address,
    forwardedFor: isIP(forwarded) ? forwarded : "",
    port: peer.port,
    leaf,
  };
}

function offersDeflate(h: Headers): boolean {
  const v = h.get("sec-websocket-extensions") ?? "";
  return v.split(",").some((ext) => ext.split(";").some((p) => p.trim().toLowerCase() === "permessage-deflate"));
}

function cookieValue(header: string, name: string): string {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return "";
}

/** Go's net.ParseIP: IPv4 without leading zeros, IPv6 (an embedded IPv4 too) without a zone. */
function isIP(s: string): boolean {
  return netIsIP(s) !== 0 && !s.includes("%");
}

/** checkOrigin: null when accepted, else why not. No Origin header: accepted. */
function checkOrigin(h: Headers, host: string, opts: WebsocketOptions, secure: boolean): string | null {
  if (!opts.sameOrigin && opts.allowedOrigins.length === 0) return null;
  const origin = h.get("origin") || h.get("sec-websocket-origin") || "";
  if (origin === "") return null;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return `parse ${JSON.stringify(origin)}: invalid URI for request`;
  }
  const [oh, op] = hostAndPort(u.protocol === "https:", u.host);
  if (opts.sameOrigin) {
    const [rh, rp] = hostAndPort(secure, host);
    if (oh !== rh || op !== rp) return "not same origin";
  }
  if (opts.allowedOrigins.length > 0 && !allowedOrigin(opts.allowedOrigins, u.protocol, oh, op)) return "not in the allowed list";
  return null;
}

/** The allowed list, by host (a later entry for the same host wins, as the reference's map). */
function allowedOrigin(list: readonly string[], scheme: string, host: string, port: string): boolean {
  let match: { scheme: string; port: string } | undefined;
  for (const ao of list) {
    let u: URL;
    try {
      u = new URL(ao);
    } catch {
      continue;
    }
    const [h, p] = hostAndPort(u.protocol === "https:", u.host);
    if (h === host) match = { scheme: u.protocol, port: p };
  }
  return match !== undefined && match.scheme === scheme && match.port === port;
}

/** wsGetHostAndPort: lower-cased host, and the port or the scheme's default. */
function hostAndPort(tls: boolean, hostport: string): [string, string] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  const host = (m?.[1] ?? hostport).toLowerCase().replace(/^\[|\]$/g, "");
  const port = m?.[2] ?? (tls ? "443" : "80");
  return [host, port];
}
