// Server URLs (remote leaf nodes, routes) as nats-server 2.9.10 takes them:
// Go's url.Parse (which accepts scheme-less text such as `localhost` and
// refuses what the WHATWG parser would fix up), then, for leaf nodes, the
// default port 7422 added to a host that names none (opts.go
// setBaselineOptions). A small model of the Go parser rather than `URL`,
// whose rules differ both ways.

export const DEFAULT_LEAFNODE_PORT = 7422;

export interface LeafURL {
  /** Lower-cased; "" without one. nats-leaf, nats, tls, ws, wss in practice. */
  scheme: string;
  /** What follows `scheme:` when no `//` does (Go's Opaque). */
  opaque: string;
  /** Userinfo, decoded; null without an `@`. */
  user: { username: string; password: string | null } | null;
  /** `host:port` to dial, port always present (Go's u.Host after the baseline). */
  host: string;
  /** Host without port and brackets. */
  hostname: string;
  /** As written in the URL or 7422; not range-checked (2.9.10 does not either). */
  port: number;
  /** Escaped path (Go's EscapedPath); the websocket request uses it. */
  path: string;
  /** Query without `?`. */
  rawQuery: string;
  fragment: string;
}

/** True for ws:// and wss:// (a websocket connection). */
export function isWebsocketURL(u: LeafURL): boolean {
  return u.scheme.startsWith("ws");
}

/** wss:// implies TLS even without a tls block. */
export function isSecureWebsocketURL(u: LeafURL): boolean {
  return u.scheme.startsWith("wss");
}

/** Go's url.Parse failure, worded as Go's url.Error: `parse "<text>": <reason>`. */
export class URLError extends Error {
  constructor(text: string, reason: string) {
    super(`parse ${JSON.stringify(text)}: ${reason}`);
    this.name = "URLError";
  }
}

/** Parses one URL; null when Go's url.Parse fails ("error parsing leafnode url"). */
export function parseLeafURL(text: string): LeafURL | null {
  try {
    return parseGoURL(text.trim(), DEFAULT_LEAFNODE_PORT);
  } catch (e) {
    if (e instanceof URLError) return null;
    throw e;
  }
}

/** A failed step of the parse; parseGoURL turns it into a URLError. */
class Reason extends Error {}

function fail(reason: string): never {
  throw new Reason(reason);
}

/**
 * Go's url.Parse of `text` as is; throws URLError. A host without a port
 * gets `defaultPort`, or keeps none (port 0) when it is null.
 */
export function parseGoURL(text: string, defaultPort: number | null): LeafURL {
  try {
    return parse(text, defaultPort);
  } catch (e) {
    if (e instanceof Reason) throw new URLError(text, e.message);
    throw e;
  }
}

function parse(raw: string, defaultPort: number | null): LeafURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) fail("net/url: invalid control character in URL");
  const hash = raw.indexOf("#");
  const main = hash < 0 ? raw : raw.slice(0, hash);
  const fragment = hash < 0 ? "" : unescape(raw.slice(hash + 1), "other");

  const scheme = schemeOf(main);
  let rest = scheme === "" ? main : main.slice(scheme.length + 1);
  let rawQuery = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const u: LeafURL = { scheme: scheme.toLowerCase(), opaque: "", user: null, host: "", hostname: "", port: 0, path: "", rawQuery, fragment };
  if (!rest.startsWith("/")) {
    if (scheme !== "") {
      u.opaque = rest;
      return withDefaultPort(u, "", defaultPort);
    }
    const colon = rest.indexOf(":");
    const slash = rest.indexOf("/");
    if (colon >= 0 && (slash < 0 || colon < slash)) fail("first path segment in URL cannot contain colon");
  }
  let host = "";
  if (rest.startsWith("//") && (scheme !== "" || !rest.startsWith("///"))) {
    const end = rest.indexOf("/", 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? "" : rest.slice(end);
    const at = authority.lastIndexOf("@");
    if (at >= 0) u.user = parseUserinfo(authority.slice(0, at));
    host = checkHost(authority.slice(at + 1));
  }
  unescape(rest, "other");
  u.path = escapePath(rest);
  return withDefaultPort(u, host, defaultPort);
}

/** Go's URL.String() with the password shown as `xxxxx` (util.go redactURLList). */
export function redactedURL(u: LeafURL): string {
  let out = u.scheme === "" ? "" : `${u.scheme}:`;
  if (u.opaque !== "") out += u.opaque;
  else {
    out += "//";
    if (u.user !== null) {
      out += escapeUserinfo(u.user.username);
      if (u.user.password !== null) out += ":xxxxx";
      out += "@";
    }
    out += u.host;
    if (u.path !== "" && !u.path.startsWith("/")) out += "/";
    out += u.path;
  }
  if (u.rawQuery !== "") out += `?${u.rawQuery}`;
  if (u.fragment !== "") out += `#${escapePath(u.fragment)}`;
  return out;
}

/** Go's getScheme: "" without one. */
function schemeOf(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return "";
      continue;
    }
    if (c === ":") return i === 0 ? fail("missing protocol scheme") : s.slice(0, i);
    return "";
  }
  return "";
}

function parseUserinfo(info: string): NonNullable<LeafURL["user"]> {
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(info)) fail("net/url: invalid userinfo");
  const colon = info.indexOf(":");
  const username = unescape(colon < 0 ? info : info.slice(0, colon), "other");
  const password = colon < 0 ? null : unescape(info.slice(colon + 1), "other");
  return { username, password };
}

/** Go's parseHost checks; returns the host as written. */
function checkHost(host: string): string {
  let portPart: string;
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) fail("missing ']' in host");
    portPart = host.slice(close + 1);
    checkPort(portPart);
    // An IPv6 zone (`%25en0`) is checked loosely.
    const zone = host.indexOf("%25");
    if (zone >= 0 && zone < close) {
      unescape(host.slice(0, zone), "host");
      unescape(host.slice(close), "host");
      return host;
    }
  } else {
    const colon = host.lastIndexOf(":");
    portPart = colon < 0 ? "" : host.slice(colon);
  }
  checkPort(portPart);
  unescape(host, "host");
  return host;
}

function checkPort(p: string): void {
  if (p !== "" && !/^:[0-9]*$/.test(p)) fail(`invalid port ${JSON.stringify(p)} after host`);
}

/** Go's unescape: fails on a bad `%` escape or (host mode) a character a host cannot hold. */
function unescape(s: string, mode: "host" | "other"): string {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      if (mode === "host" && parseInt(hex[0]!, 16) < 8 && hex !== "25") fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      i += 2;
    } else if (mode === "host" && c.charCodeAt(0) < 0x80 && /[ ^`{|}\\#/?@]/.test(c)) fail(`invalid character ${JSON.stringify(c)} in host name`);
  }
  try {
    return decodeURIComponent(s.replace(/%(?![0-9a-fA-F]{2})/g, "%25"));
  } catch {
    return s; // invalid UTF-8 after decoding: Go keeps the bytes; the text is enough here
  }
}

/** Escapes what Go's EscapedPath would (spaces and the like), keeping valid escapes. */
function escapePath(p: string): string {
  return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (ch) => encodeURIComponent(ch));
}

function escapeUserinfo(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=]/g, (ch) => encodeURIComponent(ch));
}

/** setBaselineOptions: a leaf host without port gets 7422 (Go's net.JoinHostPort). */
function withDefaultPort(u: LeafURL, host: string, defaultPort: number | null): LeafURL {
  const colon = host.lastIndexOf(":");
  const portText = colon >= 0 && /^[0-9]*$/.test(host.slice(colon + 1)) ? host.slice(colon + 1) : "";
  let name = portText === "" ? host : host.slice(0, colon);
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  if (portText === "" && defaultPort === null) {
    u.port = 0;
    u.host = host;
  } else if (portText === "") {
    u.port = defaultPort!;
    u.host = host.includes(":") ? `[${host}]:${defaultPort}` : `${host}:${defaultPort}`;
  } else {
    u.port = Number(portText);
    u.host = host;
  }
  u.hostname = name;
  return u;
}
