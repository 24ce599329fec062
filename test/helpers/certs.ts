// A throwaway CA with a server certificate (127.0.0.1 / localhost) and client
// certificates, made with the system openssl for TLS tests.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./conf.ts";

export interface TestPKI {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate for "alice" (CN=alice,O=Acme, e-mail alice@acme.test). */
  clientCert: string;
  clientKey: string;
  /** Subject of the client certificate as RFC 2253 (what verify_and_map matches). */
  clientSubject: string;
  /** For both ends of a route (127.0.0.1 / localhost; server and client auth, as Go checks key usage both ways). */
  routeCert: string;
  routeKey: string;
  /** The same names, signed by another CA (a peer nobody trusts). */
  strangerCert: string;
  strangerKey: string;
}

function openssl(args: string[], cwd: string): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr.toString()}`);
}

export function makePKI(): TestPKI {
  const dir = tempDir("nats-bun-pki-");
  const p = (f: string) => join(dir, f);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA", "-keyout", "ca.key", "-out", "ca.pem"], dir);
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"], dir);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem"], dir);
  writeFileSync(p("client.ext"), "subjectAltName=email:alice@acme.test\nextendedKeyUsage=clientAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/O=Acme/CN=alice", "-keyout", "client.key", "-out", "client.csr"], dir);
  openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "client.ext", "-out", "client.pem"], dir);
  writeFileSync(p("route.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=route", "-keyout", "route.key", "-out", "route.csr"], dir);
  openssl(["x509", "-req", "-in", "route.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "route.ext", "-out", "route.pem"], dir);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA", "-keyout", "other-ca.key", "-out", "other-ca.pem"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=stranger", "-keyout", "stranger.key", "-out", "stranger.csr"], dir);
  openssl(["x509", "-req", "-in", "stranger.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca.key", "-CAcreateserial", "-days", "2", "-extfile", "route.ext", "-out", "stranger.pem"], dir);
  return {
    dir,
    ca: p("ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
    clientSubject: "CN=alice,O=Acme",
    routeCert: p("route.pem"),
    routeKey: p("route.key"),
    strangerCert: p("stranger.pem"),
    strangerKey: p("stranger.key"),
  };
}
