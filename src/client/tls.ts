// The TLS side of a client connection: the handshake deadline, and the
// identities a verified certificate offers for verify_and_map.

import type { X509Certificate } from "node:crypto";
import type { Client } from "./client.ts";
import { ClosedReason } from "./closed.ts";

export const TLS_REQUIRED_ERR = "-ERR 'Secure Connection - TLS Required'\r\n";

export function onTLSTimeout(c: Client): void {
  if (c.closed || c.tlsDone) return;
  c.server.logger.error(`${c.label()} - TLS handshake timeout`);
  c.closeTLSTimeout();
}

/**
 * What verify_and_map matches users against, in the reference's order:
 * e-mail addresses, DNS names, then the subject as an RFC 2253 string
 * (most specific attribute first, e.g. "CN=alice,O=Acme,C=US").
 */
export function certIdentities(cert: X509Certificate): string[] {
  const ids: string[] = [];
  for (const part of (cert.subjectAltName ?? "").split(/,\s*/)) {
    if (part.startsWith("email:")) ids.push(part.slice(6));
  }
  for (const part of (cert.subjectAltName ?? "").split(/,\s*/)) {
    if (part.startsWith("DNS:")) ids.push(part.slice(4));
  }
  const rdns = cert.subject.split("\n").filter((l) => l !== "");
  ids.push(rdns.reverse().join(","));
  return ids;
}

export function tlsFailed(c: Client, error: string): void {
  c.server.logger.error(`${c.label()} - TLS handshake error: ${error}`);
  c.close(ClosedReason.TLSHandshakeError, false);
}
