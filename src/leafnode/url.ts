// Remote leaf node URLs as nats-server 2.9.10 takes them: Go's url.Parse
// (which accepts scheme-less text such as `localhost` and refuses what the
// WHATWG parser would fix up), then the default port 7422 added to a host
// that names none (opts.go setBaselineOptions). A small model of the Go
// parser rather than `URL`, whose rules differ both ways.

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

/** Parses one URL; null when Go's url.Parse fails ("error parsing leafnode url"). */
export function parseLeafURL(text: string): LeafURL | null {
  const raw = text.trim();
  if (/[\x00-\x1f\x7f]/.test(raw)) return null;
  const hash = raw.indexOf("#");
  const main = hash < 0 ? raw : raw.slice(0, hash);
  const fragment = hash < 0 ? "" : unescape(raw.slice(hash + 1), "other");
  if (fragment === null) return null;

  const scheme = schemeOf(main);
  if (scheme === null) return null;
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
      return withDefaultPort(u, "");
    }
    const colon = rest.indexOf(":");
    const slash = rest.indexOf("/");
    if (colon >= 0 && (slash < 0 || colon < slash)) return null; // first path segment cannot contain a colon
  }
  let host = "";
  if (rest.startsWith("//") && (scheme !== "" || !rest.startsWith("///"))) {
    const end = rest.indexOf("/", 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? "" : rest.slice(end);
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      const user = parseUserinfo(authority.slice(0, at));
      if (user === null) return null;
      u.user = user;
    }
    const h = checkHost(authority.slice(at + 1));
    if (h === null) return null;
    host = h;
  }
  if (unescape(rest, "other") === null) return null;
  u.path = escapePath(rest);
  return withDefaultPort(u, host);
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

/** Go's getScheme: "" without one, null for a leading colon. */
function schemeOf(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return "";
      continue;
    }
    if (c === ":") return i === 0 ? null : s.slice(0, i);
    return "";
  }
  return "";
}

function parseUserinfo(info: string): LeafURL["user"] {
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(info)) return null;
  const colon = info.indexOf(":");
  const username = unescape(colon < 0 ? info : info.slice(0, colon), "other");
  const password = colon < 0 ? null : unescape(info.slice(colon + 1), "other");
  if (username === null || (colon >= 0 && password === null)) return null;
  return { username, password };
}

/** Go's parseHost checks; returns the host as written (null on error). */
function checkHost(host: string): string | null {
  let portPart: string;
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) return null;
    portPart = host.slice(close + 1);
    // An IPv6 zone (`%25en0`) is checked loosely.
    const zone = host.indexOf("%25");
    if (zone >= 0 && zone < close) {
      return validPort(portPart) && unescape(host.slice(0, zone), "host") !== null && unescape(host.slice(close), "host") !== null ? host : null;
    }
  } else {
    const colon = host.lastIndexOf(":");
    portPart = colon < 0 ? "" : host.slice(colon);
  }
  if (!validPort(portPart)) return null;
  return unescape(host, "host") === null ? null : host;
}

function validPort(p: string): boolean {
  return p === "" || /^:[0-9]*$/.test(p);
}

/** Go's unescape: null on a bad `%` escape or (host mode) a character a host cannot hold. */
function unescape(s: string, mode: "host" | "other"): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      if (mode === "host" && parseInt(hex[0]!, 16) < 8 && hex !== "25") return null;
      i += 2;
    } else if (mode === "host" && c.charCodeAt(0) < 0x80 && /[ ^`{|}\\#/?@]/.test(c)) return null;
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

/** setBaselineOptions: a host without port gets 7422 (Go's net.JoinHostPort). */
function withDefaultPort(u: LeafURL, host: string): LeafURL {
  const colon = host.lastIndexOf(":");
  const portText = colon >= 0 && /^[0-9]*$/.test(host.slice(colon + 1)) ? host.slice(colon + 1) : "";
  let name = portText === "" ? host : host.slice(0, colon);
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  if (portText === "") {
    u.port = DEFAULT_LEAFNODE_PORT;
    u.host = host.includes(":") ? `[${host}]:${DEFAULT_LEAFNODE_PORT}` : `${host}:${DEFAULT_LEAFNODE_PORT}`;
  } else {
    u.port = Number(portText);
    u.host = host;
  }
  u.hostname = name;
  return u;
}
