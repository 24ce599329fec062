// Leaf nodes with user JWT credentials against an operator-mode hub,
// nats-bun and nats-server 2.9.10 on either side: the remote's .creds file
// signs the hub's nonce and the hub binds the leaf to the user's account;
// users whose allowed_connection_types leave out LEAFNODE, expired users and
// unreadable or malformed .creds files are refused with 2.9.10's errors. An
// embedded Server signs with a callback (leafnodeSignatures) instead.

import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { fromSeed } from "@nats-io/nkeys";
import { Server } from "../../src/server/server.ts";
import { Logger } from "../../src/server/logger.ts";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { binOf, leafConnected, leafPort, type Impl } from "../helpers/leaf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { creds, mintUser, mintWorld, type TestUser } from "../jwt/fixture.ts";

const world = await mintWorld();
const dir = tempDir("nats-bun-leaf-creds-");
const credsFile = (name: string, content: Uint8Array | string): string => {
  const path = join(dir, `${name}.creds`);
  writeFileSync(path, content);
  return path;
};
const aCreds = credsFile("a", creds(world.users.a!));

const conns: NatsConnection[] = [];
const servers: RunningServer[] = [];
const embedded: Server[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of embedded) s.shutdown();
  for (const s of servers) await s.stop();
});

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
const PAIRINGS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ref", "ours"],
      ["ours", "ref"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

async function until(pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await Bun.sleep(20);
  }
  throw new Error("condition not met in time");
}

async function client(port: number, u?: TestUser): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${port}`, ...(u ? { authenticator: credsAuthenticator(creds(u)) } : {}) });
  conns.push(nc);
  return nc;
}

/** An operator-mode hub with a leaf node port, and its port. */
async function hub(impl: Impl): Promise<{ hub: RunningServer; port: number }> {
  const h = await startServer(["-c", world.conf("leafnodes { port: -1 }")], { bin: binOf(impl) });
  servers.push(h);
  return { hub: h, port: await leafPort(h) };
}

async function leaf(impl: Impl, port: number, remote: string): Promise<RunningServer> {
  const conf = `debug: true\nleafnodes { reconnect: 1, remotes: [{ url: "nats-leaf://127.0.0.1:${port}", ${remote} }] }\n`;
  const l = await startServer(["-c", writeConf(conf)], { bin: binOf(impl) });
  servers.push(l);
  return l;
}

/**
 * Messages published on the leaf (its $G) reach account A on the hub, and
 * not account B; the hub's A reaches the leaf.
 */
async function boundToA(hubPort: number, leafPort: number): Promise<void> {
  const a = await client(hubPort, world.users.a2!);
  const b = await client(hubPort, world.users.b!);
  const l = await client(leafPort);
  let atA = 0;
  let atB = 0;
  let atLeaf = 0;
  a.subscribe("up", { callback: () => void atA++ });
  b.subscribe("up", { callback: () => void atB++ });
  l.subscribe("down", { callback: () => void atLeaf++ });
  await a.flush();
  await b.flush();
  await l.flush();
  await until(async () => {
    l.publish("up");
    a.publish("down");
    await l.flush();
    await a.flush();
    await Bun.sleep(30);
    return atA > 0 && atLeaf > 0;
  });
  await Bun.sleep(100);
  expect(atB).toBe(0);
}

/** Error lines without the prefix and the connection's address and id. */
function errors(s: RunningServer): string[] {
  return s
    .log()
    .split("\n")
    .filter((l) => l.includes("[ERR]"))
    .map((l) => l.replace(/^.*?\[ERR\] /, "").replace(/^[\d.:[\]a-f]+ - lid:\d+ - /, ""));
}

const count = (s: RunningServer, text: string): number => s.log().split(text).length - 1;

describe("a .creds file on the remote, operator-mode hub", () => {
  for (const [hubImpl, leafImpl] of PAIRINGS) {
    test(`hub ${hubImpl}, leaf ${leafImpl}: bound to the user's account`, async () => {
      const h = await hub(hubImpl);
      const l = await leaf(leafImpl, h.port, `credentials: "${aCreds}"`);
      await leafConnected(h.hub);
      await leafConnected(l);
      expect(l.log()).toContain(`Authenticating with credentials file "${aCreds}"`);
      await boundToA(h.hub.port, l.port);
    });
  }
});

describe("user JWT contents", () => {
  test("allowed_connection_types with LEAFNODE is accepted", async () => {
    const user = await mintUser(world, "a", {}, { allowed_connection_types: ["LEAFNODE"] });
    const file = credsFile("leaf-only", creds(user));
    for (const hubImpl of IMPLS) {
      const h = await hub(hubImpl);
      const l = await leaf("ours", h.port, `credentials: "${file}"`);
      await leafConnected(h.hub);
      await leafConnected(l);
    }
  });

  test("a user with permissions: a notice at startup", async () => {
    const file = credsFile("perms", creds(world.users.perms!));
    const h = await hub("ours");
    for (const leafImpl of IMPLS) {
      // 2.9.10 names the account as configured (nothing when the remote has none).
      const l = await leaf(leafImpl, h.port, `credentials: "${file}", account: "$G"`);
      await l.waitLog(`LeafNode Remote for Account $G uses credentials file "${file}" with restricted permissions`);
    }
  });
});

describe("refused credentials, compared with 2.9.10", () => {
  /** Each leaf against each hub until it was refused twice (the leaf retries); the error lines of both. */
  async function refused(remote: string): Promise<Array<{ hubImpl: Impl; leafImpl: Impl; hub: string[]; leaf: string[] }>> {
    return Promise.all(
      IMPLS.flatMap((hubImpl) =>
        IMPLS.map(async (leafImpl) => {
          const h = await hub(hubImpl);
          const l = await leaf(leafImpl, h.port, remote);
          await until(() => count(h.hub, "authentication error") >= 2 && count(l, "Leafnode Error") >= 2, 6000);
          return { hubImpl, leafImpl, hub: errors(h.hub), leaf: errors(l) };
        }),
      ),
    );
  }

  /** Both hubs log the same lines for the same leaf, and both leaves the same for the same hub. */
  function sameAsReference(runs: Awaited<ReturnType<typeof refused>>): void {
    const of = (h: Impl, l: Impl) => runs.find((r) => r.hubImpl === h && r.leafImpl === l)!;
    for (const r of runs) {
      expect(r.hub.slice(0, 2)).toEqual(of("ref", r.leafImpl).hub.slice(0, 2));
      expect(r.leaf.slice(0, 2)).toEqual(of(r.hubImpl, "ref").leaf.slice(0, 2));
    }
  }

  test("allowed_connection_types without LEAFNODE", async () => {
    const runs = await refused(`credentials: "${credsFile("ws-only", creds(world.users.wsOnly!))}"`);
    for (const r of runs) {
      expect(r.hub[0]).toBe("authentication error");
      expect(r.leaf[0]).toBe("Leafnode Error 'Authorization Violation'");
    }
    if (haveReference) sameAsReference(runs);
  });

  test("an expired user", async () => {
    const runs = await refused(`credentials: "${credsFile("expired", creds(world.users.expired!))}"`);
    for (const r of runs) expect(r.hub[0]).toBe("authentication error");
    if (haveReference) sameAsReference(runs);
  });

  test("a seed that is not the JWT's: the signature fails", async () => {
    const wrong = creds({ ...world.users.a!, seed: world.users.a2!.seed });
    const runs = await refused(`credentials: "${credsFile("wrong-seed", wrong)}"`);
    for (const r of runs) expect(r.hub[0]).toBe("authentication error");
    if (haveReference) sameAsReference(runs);
  });

  test("a malformed .creds file: logged at startup and at each attempt, no CONNECT: a timeout ends it", async () => {
    const malformed = credsFile("malformed", "not a creds file\n");
    const runs = await Promise.all(
      IMPLS.flatMap((hubImpl) =>
        IMPLS.map(async (leafImpl) => {
          const h = await hub(hubImpl);
          const l = await leaf(leafImpl, h.port, `credentials: "${malformed}"`);
          // The hub's authorization timeout or the leaf's wait for the hub's answer, whichever comes first.
          await until(() => count(l, "Leafnode connection closed") >= 1, 6000);
          return { hub: h.hub.log(), leaf: errors(l) };
        }),
      ),
    );
    for (const r of runs) {
      expect(r.leaf.slice(0, 2)).toEqual([`LeafNode Remote Credentials file "${malformed}" malformed`, "Credentials file malformed"]);
      expect(r.hub).not.toContain("JetStream Not Extended");
    }
  });

  test("a missing .creds file: no CONNECT, retried", async () => {
    const missing = join(dir, "missing.creds");
    const leaves = await Promise.all(
      IMPLS.map(async (leafImpl) => {
        const h = await hub("ours");
        const l = await leaf(leafImpl, h.port, `credentials: "${missing}"`);
        await until(() => count(l, "no such file or directory") >= 3, 6000);
        return l;
      }),
    );
    for (const l of leaves) {
      // Checked once at startup, then at each attempt.
      expect(errors(l).slice(0, 2)).toEqual([
        `Error reading LeafNode Remote Credentials file "${missing}": open ${missing}: no such file or directory`,
        `open ${missing}: no such file or directory`,
      ]);
      expect(l.log()).toContain("Leafnode connection closed: Write Error");
    }
  });
});

describe("embedded: a signature callback instead of a .creds file", () => {
  for (const hubImpl of IMPLS) {
    test(`new Server({ leafnodes, leafnodeSignatures }) linked to an operator-mode hub (${hubImpl})`, async () => {
      const h = await hub(hubImpl);
      const logFile = join(tempDir("nats-bun-embedded-"), "server.log");
      const user = await mintUser(world, "a", {});
      const kp = fromSeed(new TextEncoder().encode(user.seed));
      let signed = 0;
      const s = new Server(
        {
          host: "127.0.0.1",
          port: -1,
          // A plain object, as the config parser would make it.
          leafnodes: { remotes: [{ url: `nats-leaf://127.0.0.1:${h.port}` }] },
          leafnodeSignatures: [
            (nonce) => {
              signed++;
              return { jwt: user.jwt, sig: kp.sign(new TextEncoder().encode(nonce)) };
            },
          ],
        },
        new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile }),
      );
      s.start();
      embedded.push(s);
      await leafConnected(h.hub);
      expect(signed).toBe(1);
      await boundToA(h.hub.port, s.port);
    });
  }

  test("a callback that throws: logged as 2.9.10 logs it, no CONNECT", async () => {
    const h = await hub("ours");
    const logFile = join(tempDir("nats-bun-embedded-"), "server.log");
    const s = new Server(
      {
        host: "127.0.0.1",
        port: -1,
        leafnodes: { reconnect: 1, remotes: [{ url: `nats-leaf://127.0.0.1:${h.port}` }] },
        leafnodeSignatures: [
          () => {
            throw new Error("no key");
          },
        ],
      },
      new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile }),
    );
    s.start();
    embedded.push(s);
    let text = "";
    await until(async () => (text = await Bun.file(logFile).text()).includes("Leafnode connection closed"));
    expect(text).toContain("Error signing the nonce: no key");
    expect(text).toContain("Leafnode connection closed: Write Error");
  });
});
