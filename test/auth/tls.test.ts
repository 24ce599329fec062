// TLS on the client port: INFO in plain text, then the handshake; client
// certificates verified; verify_and_map; the handshake deadline.

import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient } from "../helpers/raw.ts";
import { startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { makePKI, type TestPKI } from "../helpers/certs.ts";

let pki: TestPKI;
beforeAll(() => {
  pki = makePKI();
});

const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => {});
  for (const s of running.splice(0)) await s.stop();
});

async function serve(conf: string): Promise<RunningServer> {
  const s = await startServer(["-c", writeConf(conf)]);
  running.push(s);
  return s;
}

async function nc(port: number, opts: Record<string, unknown>): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, ...opts });
  conns.push(c);
  return c;
}

const tlsBlock = (extra = "") =>
  `tls {\n  cert_file: "${pki.serverCert}"\n  key_file: "${pki.serverKey}"\n  ca_file: "${pki.ca}"\n  ${extra}\n}\n`;

describe("TLS", () => {
  test("INFO in plain text says tls_required; a TLS client pub/subs", async () => {
    const s = await serve(tlsBlock());
    const c = await RawClient.connect(s.port);
    const info = JSON.parse(/^INFO (\{.*\}) \r\n/.exec(await c.waitFor("\r\n"))![1]!);
    expect(info.tls_required).toBe(true);
    expect(info.tls_verify).toBeUndefined();
    c.close();
    const a = await nc(s.port, { tls: { caFile: pki.ca } });
    const sub = a.subscribe("secure", { max: 1 });
    a.publish("secure", "hello");
    for await (const m of sub) expect(new TextDecoder().decode(m.data)).toBe("hello");
  });

  test("a client that never starts TLS is closed after the handshake timeout (as nats-server 2.9.10)", async () => {
    const s = await serve(tlsBlock("timeout: 0.3"));
    const c = await RawClient.connect(s.port);
    await c.waitFor("\r\n");
    const t0 = Date.now();
    await c.waitClosed(3000);
    expect(Date.now() - t0).toBeGreaterThan(200);
    expect(c.text).toMatch(/^INFO \{.*\} \r\n$/);
    await s.waitLog("TLS handshake error: timeout");
  });

  test("a plain-text CONNECT on a TLS port fails the handshake and closes", async () => {
    const s = await serve(tlsBlock());
    const c = await RawClient.connect(s.port);
    await c.waitFor("\r\n");
    c.write('CONNECT {"verbose":false}\r\nPING\r\n');
    await c.waitClosed(3000);
    expect(c.text).not.toContain("PONG");
  });

  test("verify: a client certificate is required and checked", async () => {
    const s = await serve(tlsBlock("verify: true"));
    const c = await RawClient.connect(s.port);
    expect(await c.waitFor("\r\n")).toContain('"tls_verify":true');
    c.close();
    await nc(s.port, { tls: { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey } });
    await expect(nc(s.port, { tls: { caFile: pki.ca } })).rejects.toThrow();
  });

  test("verify_and_map: the certificate names the user", async () => {
    const s = await serve(
      tlsBlock("verify_and_map: true") +
        `authorization { users: [ {user: "${pki.clientSubject}", permissions: {publish: "ok.>"}} ] }\n`,
    );
    const a = await nc(s.port, { tls: { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey } });
    const errs: string[] = [];
    (async () => {
      for await (const st of a.status()) errs.push(String((st as { error?: unknown }).error ?? st.type));
    })();
    a.publish("ok.1", "x");
    a.publish("not.ok", "x");
    await a.flush();
    await Bun.sleep(50);
    expect(errs.join(" ")).toContain("Permissions Violation for Publish to");
  });

  test("verify_and_map with an e-mail SAN user", async () => {
    const s = await serve(tlsBlock("verify_and_map: true") + `authorization { users: [ {user: "alice@acme.test"} ] }\n`);
    await nc(s.port, { tls: { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey } });
  });
});
