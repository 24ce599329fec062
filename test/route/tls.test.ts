// TLS on routes against nats-server 2.9.10: the handshake comes first on
// both sides (INFO only after it, with tls_required and tls_verify), the
// peer's certificate is verified both ways, and a refused handshake is
// logged in the reference's words, then dialed again.

import { afterAll, describe, expect, test } from "bun:test";
import type { TLSOptions } from "bun";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { makePKI } from "../helpers/certs.ts";
import { freePort, routesCreated, startNode, type Node } from "../helpers/cluster.ts";
import type { Impl } from "../helpers/leaf.ts";
import { RawClient } from "../helpers/raw.ts";
import { haveReference } from "../helpers/servers.ts";

const pki = makePKI();
const tlsBlock = (cert: string, key: string, timeout = 2): string =>
  `tls { cert_file: "${cert}", key_file: "${key}", ca_file: "${pki.ca}", timeout: ${timeout} }`;
const GOOD = tlsBlock(pki.routeCert, pki.routeKey);
const STRANGER = tlsBlock(pki.strangerCert, pki.strangerKey);

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

async function node(impl: Impl, port: number, routes: number[], tls: string): Promise<Node> {
  const n = await startNode(impl, "T", port, routes, "debug: true", tls);
  nodes.push(n);
  return n;
}

async function until(pred: () => boolean | Promise<boolean>, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

/** What follows "rid:N - " in the log lines that mention `what` (the connection's address and id differ per run). */
function logged(n: Node, what: string): string[] {
  return n.server
    .log()
    .split("\n")
    .filter((l) => l.includes(what))
    .map((l) => l.replace(/^.*? - rid:\d+ - /, "").replace(/^\[\d+\] \S+ \S+ /, ""));
}

/** A connection that starts with the TLS handshake, as a dialing route does; its first bytes (INFO) in `text`. */
async function tlsFirst(port: number, tls: TLSOptions): Promise<{ text: () => string; closed: () => boolean; end: () => void }> {
  let text = "";
  let closed = false;
  const s = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    tls,
    socket: {
      data(_s, d) {
        text += new TextDecoder().decode(d);
      },
      close() {
        closed = true;
      },
      error() {
        closed = true;
      },
    },
  });
  return { text: () => text, closed: () => closed, end: () => s.end() };
}

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

for (const [ia, ib] of PAIRS) {
  describe(`TLS routes: ${ia} + ${ib}`, async () => {
    const pa = freePort();
    const pb = freePort();
    const a = await node(ia, pa, [pb], GOOD);
    const b = await node(ib, pb, [pa], GOOD);
    await routesCreated(a, 1);
    await routesCreated(b, 1);

    test("both sides finish the handshake before the route is created", () => {
      for (const n of [a, b]) {
        const lines = logged(n, "TLS");
        expect(lines).toContain("TLS handshake complete");
        expect(lines.some((l) => /^TLS version 1\.[23], cipher suite TLS_\w+$/.test(l))).toBe(true);
        expect(lines.some((l) => l.startsWith("Starting TLS route client handshake") || l.startsWith("Starting TLS route server handshake"))).toBe(true);
        expect(logged(n, "handshake error")).toEqual([]);
      }
    });

    test("messages cross the encrypted route both ways", async () => {
      const na = await connect({ servers: `127.0.0.1:${a.server.port}` });
      const nb = await connect({ servers: `127.0.0.1:${b.server.port}` });
      conns.push(na, nb);
      na.subscribe("tls.echo", { callback: (_e, m) => void m.respond(m.data) });
      await na.flush();
      await until(async () => {
        try {
          const r = await nb.request("tls.echo", "hi", { timeout: 300 });
          return r.string() === "hi";
        } catch {
          return false;
        }
      });
    });
  });
}

describe("the route port speaks TLS first", async () => {
  const servers = new Map<Impl, Node>();
  for (const impl of IMPLS) servers.set(impl, await node(impl, freePort(), [], tlsBlock(pki.routeCert, pki.routeKey, 0.5)));
  const trusted: TLSOptions = { cert: await Bun.file(pki.routeCert).text(), key: await Bun.file(pki.routeKey).text(), ca: await Bun.file(pki.ca).text(), rejectUnauthorized: false };

  test("INFO comes after the handshake and requires and verifies TLS", async () => {
    const infos = new Map<Impl, Record<string, unknown>>();
    for (const [impl, n] of servers) {
      const c = await tlsFirst(n.clusterPort, trusted);
      await until(() => c.text().includes("\r\n"));
      c.end();
      expect(c.text().startsWith("INFO ")).toBe(true);
      infos.set(impl, JSON.parse(c.text().slice(5, c.text().indexOf("\r\n"))) as Record<string, unknown>);
    }
    for (const info of infos.values()) {
      expect(info.tls_required).toBe(true);
      expect(info.tls_verify).toBe(true);
      expect(typeof info.nonce).toBe("string");
    }
  });

  // Each failure as the accepting side logs it; the same text from both servers.
  const failures: Array<[string, (port: number) => Promise<void>, string]> = [
    [
      "a certificate from an unknown CA",
      async (port) => {
        const tls: TLSOptions = { cert: await Bun.file(pki.strangerCert).text(), key: await Bun.file(pki.strangerKey).text(), rejectUnauthorized: false };
        await tlsFirst(port, tls).catch(() => undefined);
      },
      "TLS route handshake error: tls: failed to verify client certificate: x509: certificate signed by unknown authority",
    ],
    [
      "no certificate",
      async (port) => {
        await tlsFirst(port, { rejectUnauthorized: false }).catch(() => undefined);
      },
      "TLS route handshake error: tls: client didn't provide a certificate",
    ],
    [
      "plain text",
      async (port) => {
        const c = await RawClient.connect(port);
        c.write('CONNECT {"verbose":false}\r\n');
        await c.waitClosed();
      },
      "TLS route handshake error: tls: first record does not look like a TLS handshake",
    ],
    [
      "nothing within the TLS timeout",
      async (port) => {
        const c = await RawClient.connect(port);
        await c.waitClosed(3000);
        // No INFO in plain text: the handshake comes first.
        expect(c.text).toBe("");
      },
      // 2.9.10's timer and its read deadline race: "TLS handshake timeout" may not be logged.
      "Router connection closed: TLS Handshake Failure",
    ],
  ];
  for (const [what, run, line] of failures) {
    test(`refused: ${what}`, async () => {
      for (const n of servers.values()) {
        const before = logged(n, line).length;
        await run(n.clusterPort);
        await until(() => logged(n, line).length > before, 4000).catch(() => {
          throw new Error(`${n.impl} never logged ${line}:\n${n.server.log().slice(-1500)}`);
        });
        await until(() => n.server.log().includes("Router connection closed: TLS Handshake Failure"));
      }
    });
  }
});

describe("a refused handshake is dialed again", () => {
  for (const dialer of IMPLS) {
    test(`${dialer} dialing a peer whose certificate it cannot verify`, async () => {
      const pa = freePort();
      const acceptor = await node("ours", pa, [], STRANGER);
      const d = await node(dialer, freePort(), [pa], GOOD);
      const line = "TLS route handshake error: x509: certificate signed by unknown authority";
      await until(() => logged(d, line).length >= 2, 5000);
      expect(logged(d, "Route connection created")).toEqual([]);
      expect(logged(acceptor, "Route connection created")).toEqual([]);
    });
  }
});
