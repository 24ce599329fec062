// `resolver_tls { ... }`: the client side TLS of the URL account resolver
// (nats-server parseTLS in a client context, GenTLSConfig): a CA to verify
// the account server with, a client certificate, or `insecure`. Other keys
// of a tls block are accepted and left to Bun's defaults, as for `tls`.

import { existsSync, readFileSync } from "node:fs";
import { located } from "../config/errors.ts";
import { posOf } from "../config/meta.ts";
import type { ConfMap } from "../config/types.ts";
import type { ResolverTLS } from "./url-resolver.ts";

const ACCEPTED = new Set([
  "verify",
  "verify_and_map",
  "timeout",
  "cipher_suites",
  "curve_preferences",
  "min_version",
  "pinned_certs",
  "handshake_first",
  "verify_cert_and_check_known_urls",
  "cert_store",
  "cert_match",
  "cert_match_by",
  "ca_certs_match",
  "ocsp_peer",
  "connection_rate_limit",
]);

/** The resolver's TLS options, or the first problem with them (nats-server's words). */
export function resolverTLS(block: ConfMap): ResolverTLS | string {
  const tls: ResolverTLS = { rejectUnauthorized: true };
  let certFile: string | undefined;
  let keyFile: string | undefined;
  let caFile: string | undefined;
  for (const [rawKey, v] of Object.entries(block)) {
    const key = rawKey.toLowerCase();
    const at = (reason: string): string => located(posOf(block, rawKey), reason);
    if (key === "cert_file" || key === "key_file" || key === "ca_file") {
      if (typeof v !== "string") return at(`error parsing tls config, expected '${key}' to be filename`);
      if (key === "cert_file") certFile = v;
      else if (key === "key_file") keyFile = v;
      else caFile = v;
    } else if (key === "insecure") {
      if (typeof v !== "boolean") return at("error parsing tls config, expected 'insecure' to be a boolean");
      tls.rejectUnauthorized = !v;
    } else if (!ACCEPTED.has(key)) {
      return at(`error parsing tls config, unknown field [${JSON.stringify(rawKey)}]`);
    }
  }
  // A client certificate is optional, but comes with its key.
  if (certFile !== undefined && keyFile === undefined) return "missing 'key_file' in TLS configuration";
  if (keyFile !== undefined && certFile === undefined) return "missing 'cert_file' in TLS configuration";
  if (certFile !== undefined && keyFile !== undefined) {
    for (const f of [certFile, keyFile]) {
      if (!existsSync(f)) return `error parsing X509 certificate/key pair: open ${f}: no such file or directory`;
    }
    tls.cert = readFileSync(certFile, "utf8");
    tls.key = readFileSync(keyFile, "utf8");
  }
  if (caFile !== undefined) {
    if (!existsSync(caFile)) return `open ${caFile}: no such file or directory`;
    tls.ca = readFileSync(caFile, "utf8");
  }
  return tls;
}
