// The TLS side of a client connection: the handshake deadline, and the
// identities a verified certificate offers for verify_and_map.

import type { X509Certificate } from "node:crypto";
import type { Client } from "./client.ts";
import { ClosedReason } from "../protocol/closed.ts";

/**
 * No handshake in time. The reference's `Secure Connection - TLS Required`
 * would have to go through the half-open TLS session, where a plain-text
 * peer cannot read it; like nats-server 2.9.10 on the wire, the peer sees
 * INFO and then the close.
 */
export function onTLSTimeout(c: Client): void {
  if (c.closed || c.tlsDone) return;
  tlsFailed(c, "timeout");
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
  ids.push(subjectString(cert));
  return ids;
}

/** The subject as Go's pkix.Name.String(): RFC 2253, most specific attribute first. */
export function subjectString(cert: X509Certificate): string {
  return cert.subject.split("\n").filter((l) => l !== "").reverse().join(",");
}

/** A finished handshake as /connz shows it (2.9.10's tlsVersion and tlsCipher names). */
export interface TLSState {
  version: string;
  cipher: string;
  /** The client's certificate, if it sent one. */
  peerCert: X509Certificate | undefined;
}

/** The socket calls that describe a finished handshake. */
export interface TLSSocketFacts {
  getTLSVersion(): string;
  getCipher(): { standardName?: string; name: string };
}

export function tlsState(s: TLSSocketFacts, peerCert: X509Certificate | undefined): TLSState {
  const v = s.getTLSVersion();
  const cipher = s.getCipher();
  // Go names the ChaCha20 suites of TLS 1.2 without the "_SHA256" IANA ends them with.
  const name = (cipher.standardName ?? cipher.name).replace(/^(TLS_ECDHE_\w+_WITH_CHACHA20_POLY1305)_SHA256$/, "$1");
  return { version: v.startsWith("TLSv") ? v.slice(4) : v, cipher: name, peerCert };
}

export function tlsFailed(c: Client, error: string): void {
  // 2.9.10 names the connection type for all but clients.
  const what = c.leaf !== null ? "TLS leafnode handshake error" : c.route !== null ? "TLS route handshake error" : "TLS handshake error";
  c.server.logger.error(`${c.label()} - ${what}: ${error}`);
  c.close(ClosedReason.TLSHandshakeError, false);
}
