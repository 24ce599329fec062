// TLS and plain clients on one port (allow_non_tls), the same config run on
// nats-bun and on nats-server 2.9.10: INFO offers TLS without requiring it,
// the client's first bytes decide, client certificates apply to TLS clients
// only, and the TLS timeout bounds the wait for those first bytes.

import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_BUN, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { makePKI, type TestPKI } from "../helpers/certs.ts";

let pki: TestPKI;
beforeAll(() => {
  pki = makePKI();
});

const running: RunningServer[] = [];
const raws: RawClient[] = [];
const conns: NatsConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => {});
  for (const c of raws.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

const SERVERS = [
  { name: "nats-bun", bin: NATS_BUN },
  ...(haveReference ? [{ name: "nats-server 2.9.10", bin: NATS_SERVER }] : []),
];

const mixedConf = (tlsExtra = "", rest = "") =>
  `tls {\n  cert_file: "${pki.serverCert}"\n  key_file: "${pki.serverKey}"\n  ca_file: "${pki.ca}"\n  ${tlsExtra}\n}\n` +
  `allow_non_tls: true\n${rest}`;

const withCert = () => ({ ca: Bun.file(pki.ca), cert: Bun.file(pki.clientCert), key: Bun.file(pki.clientKey) });
const noCert = () => ({ ca: Bun.file(pki.ca) });

const CONNECT = 'CONNECT {"verbose":false}\r\n';

function infoOf(text: string): Record<string, unknown> {
  return JSON.parse(/^INFO (\{.*\}) \r\n/.exec(text)![1]!) as Record<string, unknown>;
}

describe.each(SERVERS)("allow_non_tls on $name", ({ bin }) => {
  async function serve(conf: string): Promise<RunningServer> {
    const s = await startServer(["-c", writeConf(conf)], { bin });
    running.push(s);
    return s;
  }
  async function plain(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    raws.push(c);
    await c.waitFor("\r\n");
    return c;
  }
  async function secure(port: number, tls = noCert()): Promise<RawClient> {
    const c = await RawClient.connectTLS(port, tls);
    raws.push(c);
    return c;
  }

  test("allow_non_tls is a top-level option; inside the tls block it is an unknown field", async () => {
    const top = await runBinary(["-t", "-c", writeConf(mixedConf())], { bin });
    expect(top.code).toBe(0);
    const inBlock = `tls {\n cert_file: "${pki.serverCert}"\n key_file: "${pki.serverKey}"\n allow_non_tls: true\n}\n`;
    const r = await runBinary(["-t", "-c", writeConf(inBlock)], { bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('server.conf:4:2: error parsing tls config, unknown field ["allow_non_tls"]');
  });

  test("INFO offers TLS (tls_available) and does not require it", async () => {
    const s = await serve(mixedConf());
    const info = infoOf((await plain(s.port)).text);
    expect(info.tls_available).toBe(true);
    expect(info.tls_required).toBeUndefined();
    expect(info.tls_verify).toBeUndefined();
  });

  test("a plain and a TLS client on the same port exchange messages", async () => {
    const s = await serve(mixedConf());
    const p = await plain(s.port);
    const t = await secure(s.port);
    expect(await p.transact(CONNECT + "SUB from.tls 1\r\n")).toBe("PONG\r\n");
    expect(await t.transact(CONNECT + "SUB from.plain 1\r\n")).toBe("PONG\r\n");
    p.write("PUB from.plain 5\r\nhello\r\n");
    t.write("PUB from.tls 3\r\nhey\r\n");
    await t.waitFor("MSG from.plain 1 5\r\nhello\r\n");
    await p.waitFor("MSG from.tls 1 3\r\nhey\r\n");
  });

  test("the official client: TLS when given tls options, plain with tls: null", async () => {
    const s = await serve(mixedConf());
    const a = await connect({ servers: `127.0.0.1:${s.port}`, reconnect: false, tls: { caFile: pki.ca } });
    const b = await connect({ servers: `127.0.0.1:${s.port}`, reconnect: false, tls: null });
    conns.push(a, b);
    const subA = a.subscribe("to.a", { max: 1 });
    const subB = b.subscribe("to.b", { max: 1 });
    await a.flush();
    await b.flush();
    a.publish("to.b", "from a");
    b.publish("to.a", "from b");
    for await (const m of subA) expect(m.string()).toBe("from b");
    for await (const m of subB) expect(m.string()).toBe("from a");
  });

  test("a client whose first bytes are not TLS stays plain and gets the protocol error", async () => {
    const s = await serve(mixedConf());
    const c = await plain(s.port);
    c.write("HELLO\r\n");
    await c.waitClosed();
    expect(stripInfo(c.text)).toBe("INFO\r\n-ERR 'Unknown Protocol Operation'\r\n");
  });

  test("first reads shorter than the 4 bytes that decide: plain and TLS both work", async () => {
    const s = await serve(mixedConf());
    const p = await plain(s.port);
    p.write("PI");
    await Bun.sleep(50);
    p.write("NG\r\n");
    await p.waitFor("PONG\r\n");
    // The ClientHello's first byte, then the rest 50 ms later.
    const relay = splittingRelay(s.port);
    try {
      const t = await secure(relay.port);
      expect(await t.transact(CONNECT)).toBe("PONG\r\n");
    } finally {
      relay.stop();
    }
  });

  test("verify: TLS clients need a certificate, plain clients on the port do not", async () => {
    const s = await serve(mixedConf("verify: true"));
    const p = await plain(s.port);
    expect(infoOf(p.text).tls_verify).toBe(true);
    expect(await p.transact(CONNECT)).toBe("PONG\r\n");
    const good = await secure(s.port, withCert());
    expect(await good.transact(CONNECT)).toBe("PONG\r\n");
    // TLS 1.3: the client may finish its side before the server refuses it.
    const bad = await RawClient.connectTLS(s.port, noCert()).catch(() => null);
    let answered = false;
    if (bad !== null) {
      raws.push(bad);
      bad.write(CONNECT + "PING\r\n");
      await bad.waitClosed();
      answered = bad.text.includes("PONG");
    }
    expect(answered).toBe(false);
  });

  test("verify_and_map: the certificate names the user; a plain client has none", async () => {
    const s = await serve(mixedConf("verify_and_map: true", `authorization { users: [ {user: "${pki.clientSubject}"} ] }\n`));
    const t = await secure(s.port, withCert());
    expect(await t.transact(CONNECT)).toBe("PONG\r\n");
    const p = await plain(s.port);
    p.write(CONNECT);
    await p.waitClosed();
    expect(stripInfo(p.text)).toBe("INFO\r\n-ERR 'Authorization Violation'\r\n");
  });

  test("the TLS timeout bounds the wait for the first bytes; then auth and the handshake get their own", async () => {
    const s = await serve(mixedConf("timeout: 0.5", "authorization { user: a, password: b, timeout: 1 }\n"));
    const silent = await plain(s.port);
    const hello = await plain(s.port);
    const t0 = Date.now();
    hello.write(new Uint8Array([0x16]));
    const helloClosed = hello.waitClosed(4000).then(() => Date.now() - t0);
    // Nothing within 0.5 s: plain, and the 1 s auth timeout starts only then.
    await silent.waitClosed(4000);
    expect(Date.now() - t0).toBeGreaterThan(1300);
    expect(stripInfo(silent.text)).toBe("INFO\r\n-ERR 'Authentication Timeout'\r\n");
    // A handshake record byte, then nothing: 0.5 s for the 4 bytes, then 0.5 s for the handshake.
    expect(await helloClosed).toBeGreaterThan(900);
    expect(stripInfo(hello.text)).toBe("INFO\r\n");
  });

  test("a client silent past the TLS timeout is plain from then on", async () => {
    const s = await serve(mixedConf("timeout: 0.3"));
    const c = await plain(s.port);
    await Bun.sleep(500);
    expect(await c.transact(CONNECT)).toBe("PONG\r\n");
  });
});

describe.if(haveReference)("allow_non_tls against nats-server 2.9.10", () => {
  test("INFO has the reference's fields in the reference's order", async () => {
    const keys: string[][] = [];
    for (const { bin } of SERVERS) {
      const s = await startServer(["-c", writeConf(mixedConf("verify: true"))], { bin });
      running.push(s);
      const c = await RawClient.connect(s.port);
      raws.push(c);
      keys.push(Object.keys(infoOf(await c.waitFor("\r\n"))));
    }
    expect(keys[0]).toEqual(keys[1]!);
  });
});

/** A TCP relay that delivers the client's first byte alone, the rest 50 ms later. */
function splittingRelay(target: number): { port: number; stop(): void } {
  interface Pair {
    server: Socket<Pair> | null;
    client: Socket<Pair>;
    /** Client bytes waiting for the server side (connect, or the 50 ms hold). */
    held: Uint8Array[];
    holding: boolean;
    first: boolean;
  }
  const release = (p: Pair): void => {
    if (p.server === null || p.holding) return;
    for (const b of p.held.splice(0)) p.server.write(b);
  };
  const upstream: SocketHandler<Pair> = {
    data(s, b) {
      s.data.client.write(b);
    },
    close(s) {
      s.data.client.end();
    },
  };
  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const p: Pair = { server: null, client, held: [], holding: false, first: true };
        client.data = p;
        void Bun.connect<Pair>({ hostname: "127.0.0.1", port: target, data: p, socket: upstream }).then((server) => {
          p.server = server;
          release(p);
        });
      },
      data(client, b) {
        const p = client.data;
        if (p.first) {
          p.first = false;
          p.held.push(b.slice(0, 1));
          release(p);
          p.holding = true;
          p.held.push(b.slice(1));
          setTimeout(() => {
            p.holding = false;
            release(p);
          }, 50);
          return;
        }
        p.held.push(b.slice());
        release(p);
      },
      close(client) {
        client.data.server?.end();
      },
    },
  });
  return { port: listener.port, stop: () => listener.stop(true) };
}
