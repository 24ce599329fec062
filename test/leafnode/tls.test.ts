// TLS on leaf node connections between nats-bun and nats-server 2.9.10: the
// hub's INFO in plain text, then the soliciting side's handshake (its tls
// block's CA, client certificate and the URL's host), CONNECT over TLS; and
// the failures (unknown authority, no client certificate, a certificate of
// another CA, a plain hub, a handshake that never comes) logged with
// 2.9.10's words on both sides and retried at the reconnect interval.

import { afterAll, describe, expect, test } from "bun:test";
import { lookup } from "node:dns/promises";
import { hostname, networkInterfaces } from "node:os";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { makePKI } from "../helpers/certs.ts";
import { writeConf } from "../helpers/conf.ts";
import { binOf, leafPair, leafPort, type Impl, type LeafPair } from "../helpers/leaf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";

const pki = makePKI();
/** Another CA: its client certificate is unknown to the hub. */
const other = makePKI();
const hubTLS = (verify: boolean): string =>
  `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: ${verify} }`;
const clientCert = (p = pki): string => `cert_file: "${p.clientCert}", key_file: "${p.clientKey}"`;
/** This machine's name: not in the certificate, and (usually) an address the hub listens on. */
const host = hostname();
const hostIsLocal = host !== "localhost" && (await lookup(host).then((a) => a.address.startsWith("127.") || networkAddresses().includes(a.address), () => false));

const conns: NatsConnection[] = [];
const pairs: LeafPair[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const p of pairs) await p.stop();
  for (const s of servers) await s.stop();
});

const PAIRINGS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ref", "ours"],
      ["ours", "ref"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];
const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];

function networkAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

async function client(s: RunningServer): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}` });
  conns.push(nc);
  return nc;
}

async function until(pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(20);
  }
  throw new Error("condition not met in time");
}

/** A message from `pub` reaches a subscriber on `sub` (retried while interest crosses the link). */
async function crosses(pub: NatsConnection, sub: NatsConnection, subject: string): Promise<void> {
  let got = 0;
  sub.subscribe(subject, { callback: () => void got++ });
  await sub.flush();
  await until(async () => {
    pub.publish(subject, "x");
    await pub.flush();
    await Bun.sleep(30);
    return got > 0;
  });
}

/** The log's error lines without the prefix and the connection's address and id. */
function errors(s: RunningServer): string[] {
  return s
    .log()
    .split("\n")
    .filter((l) => l.includes("[ERR]"))
    .map((l) => l.replace(/^.*?\[ERR\] /, "").replace(/^[\d.:[\]a-f]+ - lid:\d+ - /, ""));
}

const count = (s: RunningServer, text: string): number => s.log().split(text).length - 1;

/** A hub and a leaf that are not expected to link; resolves once `done` holds for both logs. */
async function failing(
  hubImpl: Impl,
  leafImpl: Impl,
  hubBlock: string,
  remote: string,
  done: (hub: RunningServer, leaf: RunningServer) => boolean,
  urlHost = "127.0.0.1",
): Promise<{ hub: string[]; leaf: string[]; leafLog: string }> {
  const hub = await startServer(["-c", writeConf(`leafnodes { port: -1, ${hubBlock} }\n`)], { bin: binOf(hubImpl) });
  servers.push(hub);
  const port = await leafPort(hub);
  const leaf = await startServer(
    ["-c", writeConf(`debug: true\nleafnodes { reconnect: 1, remotes: [{ url: "nats-leaf://${urlHost}:${port}", ${remote} }] }\n`)],
    { bin: binOf(leafImpl) },
  );
  servers.push(leaf);
  await until(() => done(hub, leaf), 6000);
  return { hub: errors(hub), leaf: errors(leaf), leafLog: leaf.log() };
}

for (const [hubImpl, leafImpl] of PAIRINGS) {
  describe(`hub ${hubImpl} with verify, leaf ${leafImpl} with a client certificate`, () => {
    test("links over TLS; messages both ways", async () => {
      const pair = await leafPair(hubImpl, leafImpl, `leafnodes { port: -1, ${hubTLS(true)} }`, (url) =>
        `leafnodes { remotes: [{ url: "${url}", tls { ca_file: "${pki.ca}", ${clientCert()} } }] }`,
      );
      pairs.push(pair);
      const hub = await client(pair.hub);
      const leaf = await client(pair.leaf);
      await crosses(leaf, hub, "up");
      await crosses(hub, leaf, "down");
      expect(errors(pair.hub)).toEqual([]);
      expect(errors(pair.leaf)).toEqual([]);
    });
  });
}

describe("verify_and_map: the client certificate names the leafnodes user", () => {
  const hubConf = (user: string): string => `accounts { A: { users: [{ user: a, password: a }] }, B: {} }
leafnodes { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify_and_map: true },
  authorization { users: [{ user: "${user}", account: A }] } }`;
  const remote = (url: string): string => `leafnodes { reconnect: 1, remotes: [{ url: "${url}", tls { ca_file: "${pki.ca}", ${clientCert()} } }] }`;

  for (const [hubImpl, leafImpl] of PAIRINGS) {
    test(`hub ${hubImpl}, leaf ${leafImpl}: bound to the mapped user's account`, async () => {
      const pair = await leafPair(hubImpl, leafImpl, hubConf("alice@acme.test"), remote);
      pairs.push(pair);
      const a = await connect({ servers: `127.0.0.1:${pair.hub.port}`, user: "a", pass: "a" });
      conns.push(a);
      await crosses(await client(pair.leaf), a, "mapped");
    });
  }

  for (const hubImpl of IMPLS) {
    test(`without leafnodes users, one of the server's users (hub ${hubImpl})`, async () => {
      const conf = `accounts { A: { users: [{ user: a, password: a }, { user: "alice@acme.test" }] } }
leafnodes { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify_and_map: true } }`;
      const pair = await leafPair(hubImpl, "ours", conf, remote);
      pairs.push(pair);
      const a = await connect({ servers: `127.0.0.1:${pair.hub.port}`, user: "a", pass: "a" });
      conns.push(a);
      await crosses(await client(pair.leaf), a, "mapped");
    });
  }

  test("a certificate that names no user is refused", async () => {
    const runs = await Promise.all(
      IMPLS.map(async (hubImpl) => {
        const pair = await leafPair(hubImpl, "ours", hubConf("bob@acme.test"), remote, { waitLink: false });
        pairs.push(pair);
        await until(() => count(pair.hub, "authentication error") >= 1);
        return errors(pair.hub);
      }),
    );
    for (const r of runs) expect(r[0]).toBe('authentication error - User ""');
  });
});

describe("handshake failures, as 2.9.10 logs them", () => {
  const firstTLSError = (lines: string[]): string | undefined => lines.find((l) => l.startsWith("TLS leafnode handshake error"));

  test("the hub's INFO alone asks for TLS: no CA, unknown authority on the leaf, EOF on the hub, retried", async () => {
    const runs = await Promise.all(
      IMPLS.flatMap((leafImpl) =>
        IMPLS.map((hubImpl) =>
          failing(hubImpl, leafImpl, hubTLS(false), "", (_h, l) => count(l, "Starting TLS leafnode client handshake") >= 2).then((r) => ({ hubImpl, leafImpl, ...r })),
        ),
      ),
    );
    for (const r of runs) {
      expect(firstTLSError(r.leaf)).toBe("TLS leafnode handshake error: x509: certificate signed by unknown authority");
      // The leaf's CONNECT never went out.
      expect(r.leafLog).not.toContain("Remote leafnode connect msg sent");
      // 2.9.10's leaf tells the hub with an alert, ours closes.
      expect(firstTLSError(r.hub)).toBe(`TLS leafnode handshake error: ${r.leafImpl === "ref" ? "remote error: tls: bad certificate" : "EOF"}`);
    }
  });

  test("the hub verifies and the leaf has no certificate", async () => {
    const runs = await Promise.all(
      IMPLS.flatMap((leafImpl) =>
        IMPLS.map((hubImpl) =>
          failing(hubImpl, leafImpl, hubTLS(true), `tls { ca_file: "${pki.ca}" }`, (h, l) => count(h, "TLS leafnode handshake error") >= 1 && count(l, "Leafnode connection closed") >= 1),
        ),
      ),
    );
    for (const r of runs) {
      expect(firstTLSError(r.hub)).toBe("TLS leafnode handshake error: tls: client didn't provide a certificate");
      // TLS 1.3: the leaf's side of the handshake was done when the hub refused it; its read fails.
      expect(r.leafLog).toContain("Leafnode connection closed: Read Error");
    }
  });

  test("the hub verifies a certificate of another CA", async () => {
    const runs = await Promise.all(
      IMPLS.flatMap((leafImpl) =>
        IMPLS.map((hubImpl) =>
          failing(hubImpl, leafImpl, hubTLS(true), `tls { ca_file: "${pki.ca}", ${clientCert(other)} }`, (h) => count(h, "TLS leafnode handshake error") >= 1),
        ),
      ),
    );
    for (const r of runs) {
      // 2.9.10 may add why ("possibly because of ..."): both CAs have the same name.
      expect(firstTLSError(r.hub)).toStartWith("TLS leafnode handshake error: tls: failed to verify client certificate: x509: certificate signed by unknown authority");
    }
  });

  test("a tls block against a plain hub", async () => {
    const runs = await Promise.all(
      IMPLS.map((leafImpl) => failing("ours", leafImpl, "", `tls { ca_file: "${pki.ca}" }`, (_h, l) => count(l, "TLS leafnode handshake error") >= 1)),
    );
    for (const r of runs) expect(firstTLSError(r.leaf)).toBe("TLS leafnode handshake error: tls: first record does not look like a TLS handshake");
  });

  test("a hub that never does the handshake: the tls timeout, then another attempt", async () => {
    // INFO with TLS required, then silence.
    const fake = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.write(`INFO {"server_id":"FAKE","client_id":1,"leafnode_urls":[],"tls_required":true}\r\n`);
        },
        data() {},
      },
    });
    try {
      const leaves = await Promise.all(
        IMPLS.map(async (impl) => {
          const conf = `leafnodes { reconnect: 1, remotes: [{ url: "nats-leaf://127.0.0.1:${fake.port}", tls { ca_file: "${pki.ca}", timeout: 0.3 } }] }\n`;
          const leaf = await startServer(["-c", writeConf(conf)], { bin: binOf(impl) });
          servers.push(leaf);
          await until(() => count(leaf, "Leafnode connection closed: TLS Handshake Failure") >= 2, 6000);
          return leaf;
        }),
      );
      // 2.9.10 words it as its read deadline's error ("read tcp ...: i/o timeout"), ours "timeout"; when
      // 2.9.10's own handshake timer fires first it logs "TLS handshake timeout" instead.
      for (const leaf of leaves) expect(errors(leaf)[0]).toMatch(/^TLS (leafnode handshake error: .*timeout|handshake timeout)$/);
    } finally {
      fake.stop(true);
    }
  });

  test.skipIf(!hostIsLocal)("the URL's host name is checked against the certificate", async () => {
    // localhost is in the certificate; this machine's name (resolving to a local address) is not.
    for (const leafImpl of IMPLS) {
      const pair = await leafPair("ours", leafImpl, `leafnodes { port: -1, ${hubTLS(false)} }`, (url) =>
        `leafnodes { remotes: [{ url: "${url.replace("127.0.0.1", "localhost")}", tls { ca_file: "${pki.ca}" } }] }`,
      );
      pairs.push(pair);
    }
    const runs = await Promise.all(
      IMPLS.map((leafImpl) =>
        failing("ours", leafImpl, hubTLS(false), `tls { ca_file: "${pki.ca}" }`, (_h, l) => count(l, "TLS leafnode handshake error") >= 1, host),
      ),
    );
    for (const r of runs) expect(firstTLSError(r.leaf)).toBe(`TLS leafnode handshake error: x509: certificate is valid for localhost, not ${host}`);
  });

  test("insecure: true skips verifying the hub", async () => {
    for (const leafImpl of IMPLS) {
      const pair = await leafPair("ours", leafImpl, `leafnodes { port: -1, ${hubTLS(false)} }`, (url) => `leafnodes { remotes: [{ url: "${url}", tls { insecure: true } }] }`);
      pairs.push(pair);
      await crosses(await client(pair.leaf), await client(pair.hub), "insecure");
    }
  });
});
