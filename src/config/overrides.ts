// Command-line flags win over the config file, at start and on every reload
// (nats-server re-applies the same flags after re-reading the file).

import { ConfigError } from "./errors.ts";
import type { CommandLine } from "./flags.ts";
import { isMap } from "./field.ts";
import { checkOptions } from "./options.ts";
import type { ConfMap, ServerOptions } from "./types.ts";

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

function applyClusterFlags(options: ServerOptions, other: CommandLine["other"]): void {
  const keys: Record<string, string> = {
    cluster_name: "name",
    cluster_advertise: "cluster_advertise",
    no_advertise: "no_advertise",
    connect_retries: "connect_retries",
  };
  const touched = ["cluster", "routes", ...Object.keys(keys)].some((k) => k in other);
  if (!touched) return;
  const cluster: ConfMap = { ...options.cluster };
  for (const [flag, key] of Object.entries(keys)) if (flag in other) cluster[key] = other[flag]!;
  if ("cluster" in other) setClusterListen(cluster, String(other.cluster));
  if ("routes" in other) {
    const routes = String(other.routes);
    if (routes === "") delete cluster.routes;
    else cluster.routes = routes.split(",").map((r) => r.trim());
  }
  const listens = ["listen", "host", "port"].some((k) => Boolean(cluster[k]));
  if (other.routes && !listens) {
    throw new ConfigError(["solicited routes require cluster capabilities, e.g. --cluster"]);
  }
  options.cluster = cluster;
}

/** `--cluster nats://[user:pass@]host:port`; an empty URL turns routing off. */
function setClusterListen(cluster: ConfMap, url: string): void {
  delete cluster.listen;
  if (url === "") {
    cluster.port = 0;
    return;
  }
  // Port -1 (random) is not a valid URL port; nats-server special-cases it.
  const random = url.endsWith(":-1");
  let parsed: URL;
  try {
    parsed = new URL(random ? `${url.slice(0, -3)}:0` : url);
  } catch {
    throw new ConfigError([`parse ${JSON.stringify(url)}: invalid cluster URL`]);
  }
  cluster.host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  cluster.port = random ? -1 : Number(parsed.port || 0);
  const auth: ConfMap = isMap(cluster.authorization ?? false) ? { ...(cluster.authorization as ConfMap) } : {};
  delete auth.user;
  delete auth.password;
  if (parsed.username) {
    if (!parsed.password) throw new ConfigError(["expected cluster password to be set"]);
    auth.user = decodeURIComponent(parsed.username);
    auth.password = decodeURIComponent(parsed.password);
  }
  if (Object.keys(auth).length > 0) cluster.authorization = auth;
  else delete cluster.authorization;
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
