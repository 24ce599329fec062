// Command-line flags win over the config file, at start and on every reload
// (nats-server re-applies the same flags after re-reading the file).

import { ConfigError } from "./errors.ts";
import type { CommandLine } from "./flags.ts";
import { isMap } from "./field.ts";
import { checkOptions } from "./options.ts";
import type { ConfMap, ConfValue, ServerOptions } from "./types.ts";
import { parseListen } from "./address.ts";
import { parseGoURL, URLError } from "../leafnode/url.ts";

/**
 * Applies the flags given on the command line to options loaded from a file
 * (or to defaults). Mutates `options`; throws ConfigError for flag
 * combinations nats-server rejects.
 */
export function applyFlagOverrides(options: ServerOptions, cmd: Pick<CommandLine, "flags" | "other">): void {
  Object.assign(options, cmd.flags);
  const other = cmd.other;
  const extras: Record<string, string> = {
    syslog: "syslog",
    remote_syslog: "remote_syslog",
    log_size_limit: "log_size_limit",
    max_traced_msg_len: "max_traced_msg_len",
    profile: "prof_port",
    store_dir: "store_dir",
  };
  for (const [flag, key] of Object.entries(extras)) if (flag in other) options.extra[key] = other[flag]!;
  if ("jetstream" in other) {
    // A jetstream block already means enabled; keep its settings.
    if (!other.jetstream) options.jetstream = false;
    else if (!isMap(options.jetstream ?? false)) options.jetstream = true;
  }
  applyClusterFlags(options, other);
  applyTLSFlags(options, other);
  const errors = checkOptions(options);
  if (errors.length > 0) throw new ConfigError(errors);
}

const CLUSTER_FLAGS = ["cluster", "routes", "cluster_name", "cluster_advertise", "no_advertise", "connect_retries"];

/**
 * Cluster flags replace the matching keys of the file's `cluster` block (as
 * 2.9.10 re-applies its flags over the file's options). The block is changed
 * in place so problems in the file keep their positions.
 */
function applyClusterFlags(options: ServerOptions, other: CommandLine["other"]): void {
  if (!CLUSTER_FLAGS.some((k) => k in other)) return;
  const cluster: ConfMap = options.cluster ?? {};
  if ("cluster_name" in other) replaceKey(cluster, ["name"], other.cluster_name!);
  if ("cluster_advertise" in other) replaceKey(cluster, ["cluster_advertise", "advertise"], other.cluster_advertise!);
  if ("no_advertise" in other) replaceKey(cluster, ["no_advertise"], other.no_advertise!);
  if ("connect_retries" in other) replaceKey(cluster, ["connect_retries"], other.connect_retries!);
  if ("cluster" in other) overrideClusterListen(cluster, String(other.cluster));
  const routes = "routes" in other ? String(other.routes) : "";
  if ("routes" in other) {
    // RoutesFromStr: comma-separated, trimmed; an empty flag removes the file's routes.
    const list = [...new Set(routes.split(",").map((r) => r.trim()))];
    replaceKey(cluster, ["routes"], list);
    if (routes === "") removeKeys(cluster, ["routes"]);
  }
  if (routes !== "" && !other.cluster && !listens(cluster)) {
    throw new ConfigError(["solicited routes require cluster capabilities, e.g. --cluster"]);
  }
  options.cluster = cluster;
}

function removeKeys(m: ConfMap, names: string[]): void {
  for (const k of Object.keys(m)) if (names.includes(k.toLowerCase())) delete m[k];
}

/** Sets `names[0]`, dropping every spelling of the key the file may have used. */
function replaceKey(m: ConfMap, names: string[], value: ConfValue): void {
  removeKeys(m, names);
  m[names[0]!] = value;
}

/** The file's block gives a cluster host or port. */
function listens(cluster: ConfMap): boolean {
  return Object.entries(cluster).some(([k, v]) => {
    const key = k.toLowerCase();
    if (key === "listen") {
      try {
        const hp = parseListen(v);
        return hp.host !== "" || hp.port !== 0;
      } catch {
        return false;
      }
    }
    return ["host", "net", "port"].includes(key) && Boolean(v);
  });
}

/**
 * `--cluster nats://[user:pass@]host:port` (overrideCluster); an empty URL
 * turns routing off. Go's url.Parse and net.SplitHostPort errors are kept.
 */
function overrideClusterListen(cluster: ConfMap, text: string): void {
  if (text === "") {
    replaceKey(cluster, ["port"], 0);
    return;
  }
  // Port -1 (random) is not a valid URL port; 2.9.10 parses it as 0.
  const random = text.endsWith(":-1");
  let url;
  try {
    url = parseGoURL(random ? `${text.slice(0, -3)}:0` : text, null);
  } catch (e) {
    if (e instanceof URLError) throw new ConfigError([e.message]);
    throw e;
  }
  const [host, port] = splitHostPort(url.host);
  replaceKey(cluster, ["host", "net"], host);
  replaceKey(cluster, ["port"], random ? -1 : port);
  const current = Object.entries(cluster).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  const auth: ConfMap | undefined = current !== undefined && isMap(current) ? current : undefined;
  if (url.user === null) {
    // No credentials in the URL: those of the file no longer apply.
    if (auth !== undefined) removeKeys(auth, ["user", "username", "pass", "password"]);
    return;
  }
  if (url.user.password === null) throw new ConfigError(["expected cluster password to be set"]);
  const target = auth ?? {};
  replaceKey(target, ["user", "username"], url.user.username);
  replaceKey(target, ["password", "pass"], url.user.password);
  if (auth === undefined) replaceKey(cluster, ["authorization"], target);
}

/** net.SplitHostPort, then fmt.Sscan of the port, with Go's errors. */
function splitHostPort(hostport: string): [string, number] {
  const bad = (why: string): never => {
    throw new ConfigError([`address ${hostport}: ${why}`]);
  };
  let host: string;
  let port: string;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0) bad("missing ']' in address");
    const after = hostport.slice(close + 1);
    if (after === "") bad("missing port in address");
    if (!after.startsWith(":")) bad(close + 1 === hostport.length ? "missing port in address" : "unexpected ']' in address");
    host = hostport.slice(1, close);
    port = after.slice(1);
  } else {
    const colon = hostport.lastIndexOf(":");
    if (colon < 0) bad("missing port in address");
    host = hostport.slice(0, colon);
    port = hostport.slice(colon + 1);
    if (host.includes(":")) bad("too many colons in address");
  }
  if (port === "") throw new ConfigError(["EOF"]);
  return [host, Number(port)];
}

/** `--tls*` flags replace the tls block; `--tls=false` removes it. */
function applyTLSFlags(options: ServerOptions, other: CommandLine["other"]): void {
  if (other.tls === false) {
    delete options.tls;
    return;
  }
  if (!["tls", "tlsverify", "tlscert", "tlskey", "tlscacert"].some((k) => k in other)) return;
  if (!other.tlscert) throw new ConfigError(["TLS Server certificate must be present and valid"]);
  if (!other.tlskey) throw new ConfigError(["TLS Server private key must be present and valid"]);
  const tls: ConfMap = { cert_file: other.tlscert, key_file: other.tlskey, verify: other.tlsverify === true };
  if (other.tlscacert) tls.ca_file = other.tlscacert;
  options.tls = tls;
}
