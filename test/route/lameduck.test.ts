// Lame duck mode in a cluster, nats-bun against nats-server 2.9.10: the
// node entering it (`--signal ldm=PID`, SIGUSR2) tells its peer with an INFO carrying `ldm`,
// the peer takes the node's client URL out of its clients' INFO (async
// INFO), and the node's own clients are told `ldm`. Checked through an
// official client on each side.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, runBinary, startServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { RawClient } from "../helpers/raw.ts";
import { binOf } from "../helpers/leaf.ts";
import { freePort, routesCreated, startNode, until, type Node } from "../helpers/cluster.ts";
import type { Impl } from "../helpers/leaf.ts";

const nodes: Node[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const n of nodes) await n.server.stop();
});

async function client(n: Node): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${n.server.port}`, reconnect: false });
  conns.push(nc);
  return nc;
}

const urls = (nc: NatsConnection): string[] => (nc.info?.connect_urls as string[] | undefined) ?? [];

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

// 30 s is the shortest lame duck 2.9.10 accepts; the test is done well within its 10 s grace period.
const LDM = `lame_duck_duration: "30s"\n`;

describe("lame duck mode reaches the cluster", () => {
  for (const [il, io] of PAIRS) {
    test(`${il} enters lame duck; clients of ${io} lose its URL`, async () => {
      const [pl, po] = [freePort(), freePort()];
      const lame = await startNode(il, "LD", pl, [po], LDM);
      const other = await startNode(io, "LD", po, [pl], LDM);
      nodes.push(lame, other);
      await routesCreated(lame, 1);
      const lameURL = `127.0.0.1:${lame.server.port}`;
      const onOther = await client(other);
      const onLame = await client(lame);
      // The other node's clients learn the lame node's URL first.
      await until(() => urls(onOther).includes(lameURL));
      let updated: string[] = [];
      let sawLdm = false;
      void (async () => {
        for await (const s of onOther.status()) if (s.type === "update") updated = updated.concat(s.deleted ?? []);
      })();
      void (async () => {
        for await (const s of onLame.status()) if (s.type === "ldm") sawLdm = true;
      })();
      // As an operator would: the binary signals the running server.
      const sig = await runBinary(["--signal", `ldm=${lame.server.proc.pid}`], { bin: binOf(il) });
      expect(sig.code).toBe(0);
      await until(() => !urls(onOther).includes(lameURL));
      expect(urls(onOther)).toContain(`127.0.0.1:${other.server.port}`);
      expect(updated.some((u) => u.includes(`:${lame.server.port}`))).toBe(true);
      await until(() => sawLdm || onLame.info?.ldm === true);
      await lame.server.waitLog("Entering lame duck mode");
    });
  }
});

describe("the INFO a route gets when its peer enters lame duck", () => {
  const keys: Partial<Record<Impl, string[]>> = {};
  for (const impl of (haveReference ? ["ref", "ours"] : ["ours"]) as Impl[]) {
    test(impl, async () => {
      const port = freePort();
      const s = await startServer(["-c", writeConf(`${LDM}cluster { name: LD, listen: "127.0.0.1:${port}" }\n`)], { bin: binOf(impl) });
      nodes.push({ impl, server: s, clusterPort: port });
      const rc = await RawClient.connect(port);
      await rc.waitFor(/^INFO .*\r\n/);
      rc.write(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"NFAKE","cluster":"LD"}\r\nINFO {"server_id":"NFAKE","cluster":"LD","headers":true}\r\n`);
      // 2.9.10 tells routes only when it has clients to move (otherwise it just shuts down).
      conns.push(await connect({ servers: `127.0.0.1:${s.port}`, reconnect: false }));
      await Bun.sleep(100);
      s.proc.kill("SIGUSR2");
      const text = await rc.waitFor(/"ldm":true/);
      const line = text.split("\r\n").find((l) => l.includes('"ldm":true'))!;
      keys[impl] = Object.keys(JSON.parse(line.slice(5)) as object);
      rc.close();
      if (impl === "ours" && haveReference) expect(keys.ours).toEqual(keys.ref!);
    });
  }
});
