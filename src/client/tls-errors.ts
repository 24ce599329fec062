// Handshake failures in the words of Go's crypto/tls and crypto/x509 (what
// nats-server 2.9.10 logs after "TLS handshake error: "), for the failures
// Bun reports with OpenSSL reason names or Node error codes. Anything else
// keeps Bun's message.

import type { X509Certificate } from "node:crypto";
import { isIP } from "node:net";

/** Node's verification codes for a chain that does not lead to a trusted root. */
const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
]);

/** OpenSSL reason names (in the message) and Go's text for them. */
const REASONS: ReadonlyArray<[string, string]> = [
  ["PEER_DID_NOT_RETURN_A_CERTIFICATE", "tls: client didn't provide a certificate"],
  ["WRONG_VERSION_NUMBER", "tls: first record does not look like a TLS handshake"],
  // BoringSSL names plain text that looks like HTTP; Go sees a record that is not a handshake.
  ["HTTPS_PROXY_REQUEST", "tls: first record does not look like a TLS handshake"],
  ["HTTP_REQUEST", "tls: first record does not look like a TLS handshake"],
  ["SSLV3_ALERT_BAD_CERTIFICATE", "remote error: tls: bad certificate"],
  ["TLSV1_ALERT_UNKNOWN_CA", "remote error: tls: unknown certificate authority"],
  ["TLSV1_ALERT_CERTIFICATE_REQUIRED", "remote error: tls: certificate required"],
  ["socket disconnected before secure TLS connection was established", "EOF"],
];

/**
 * `peerCert` and `host`: the server's certificate and the name it was
 * checked against (soliciting side), for Go's x509.HostnameError text.
 */
export function goTLSError(err: Error | null | undefined, peerCert?: X509Certificate, host = ""): string {
  if (err === null || err === undefined) return "handshake failed";
  const code = (err as { code?: string }).code ?? "";
  if (UNKNOWN_AUTHORITY.has(code)) return "x509: certificate signed by unknown authority";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" && peerCert !== undefined) return hostnameError(peerCert, host);
  for (const [reason, text] of REASONS) if (err.message.includes(reason)) return text;
  return err.message;
}

function hostnameError(cert: X509Certificate, host: string): string {
  const sans = (cert.subjectAltName ?? "").split(/,\s*/);
  const ip = isIP(host) !== 0;
  if (ip && !sans.some((s) => s.startsWith("IP Address:"))) {
    return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
  }
  const prefix = ip ? "IP Address:" : "DNS:";
  const valid = sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
  if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid.join(", ")}, not ${host}`;
}
