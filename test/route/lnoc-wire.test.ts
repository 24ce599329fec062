// Leaf node origin cluster on routes, on the wire (2.9.10's `lnoc`): a peer
// route that says `lnoc` hears of interest and messages from a leaf node of a
// named cluster as `LS+ <origin> <acc> ...`, `LS- <acc> ...` and `LMSG <origin>
// <acc> ... <hdr> <size>`; one that does not gets plain RS+/RS-/RMSG/HMSG.
// Interest and messages a peer tags with a cluster never reach that
// cluster's leaf node connections here. The same script runs against both
// servers, with fake route and leaf node peers.

import { afterAll, describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { binOf, leafPort, type Impl } from "../helpers/leaf.ts";
import { freePort } from "../helpers/cluster.ts";

const servers: RunningServer[] = [];
const raws: RawClient[] = [];
afterAll(async () => {
  for (const r of raws) r.close();
  for (const s of servers) await s.stop();
});

interface Setup {
  peer: RawClient;
  lx: RawClient;
  ly: RawClient;
}

/** A server of cluster C1 with a fake route peer (saying lnoc or not, then sending `early`) and two fake leaf nodes of clusters X and Y. */
async function setup(impl: Impl, lnoc: boolean, early = ""): Promise<Setup> {
  const cport = freePort();
  const s = await startServer(["-c", writeConf(`leafnodes { listen: "127.0.0.1:-1" }\ncluster { name: C1, listen: "127.0.0.1:${cport}" }\n`)], { bin: binOf(impl) });
  servers.push(s);
  const peer = await RawClient.connect(cport);
  raws.push(peer);
  await peer.waitFor(/^INFO .*\r\n/);
  const flag = lnoc ? ',"lnoc":true' : "";
  peer.write(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"PEER","cluster":"C1"${flag}}\r\n`);
  peer.write(`INFO {"server_id":"PEER","server_name":"peer","cluster":"C1","headers":true${flag}}\r\n`);
  await sync(peer, early);
  const port = await leafPort(s);
  return { peer, lx: await rawLeaf(port, "LX", "X"), ly: await rawLeaf(port, "LY", "Y") };
}

/** A raw leaf node connection of cluster `cluster`, bound (the hub's interest sent). */
async function rawLeaf(port: number, name: string, cluster: string): Promise<RawClient> {
  const r = await RawClient.connect(port);
  raws.push(r);
  await r.waitFor(/^INFO .*\r\n/);
  r.write(`CONNECT {"name":"${name}","version":"2.9.10","headers":true,"cluster":"${cluster}"}\r\n`);
  await sync(r);
  await r.waitFor("$LDS.");
  return r;
}

/** Sends `data` and a PING; waits for its PONG, so the server has handled `data` and written what it made of it before the PONG. */
async function sync(r: RawClient, data = ""): Promise<void> {
  const n = r.text.split("PONG\r\n").length;
  r.write(`${data}PING\r\n`);
  await r.waitFor((t) => t.split("PONG\r\n").length > n);
}

/** What `r` received since `mark`, without PING/PONG, spaces collapsed (2.9.10 writes `LS-` with two). */
function since(r: RawClient, mark: number): string {
  return r.text.slice(mark).replace(/PING\r\n|PONG\r\n/g, "").replace(/ +/g, " ");
}

/** Runs `act`, then syncs every connection; returns what each fake peer got meanwhile. */
async function step(x: Setup, act: () => Promise<void>): Promise<{ peer: string; lx: string; ly: string }> {
  const m = { peer: x.peer.text.length, lx: x.lx.text.length, ly: x.ly.text.length };
  await act();
  await sync(x.peer);
  await sync(x.lx);
  await sync(x.ly);
  return { peer: since(x.peer, m.peer), lx: since(x.lx, m.lx), ly: since(x.ly, m.ly) };
}

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
const HDR = "NATS/1.0\r\nA: b\r\n\r\n";

for (const impl of IMPLS) {
  for (const lnoc of [true, false]) {
    describe(`${impl} server, route peer ${lnoc ? "with" : "without"} lnoc`, () => {
      test("a leaf node's interest and messages go to the route tagged with its cluster only when the peer understands it", async () => {
        const x = await setup(impl, lnoc);
        let got = await step(x, () => sync(x.lx, "LS+ foo\r\nLS+ bar q 1\r\n"));
        expect(got.peer).toBe(lnoc ? "LS+ X $G foo\r\nLS+ X $G bar q 1\r\n" : "RS+ $G foo\r\nRS+ $G bar q 1\r\n");
        // Interest from cluster X goes to cluster Y's leaf node.
        expect(got.ly).toBe("LS+ foo\r\nLS+ bar q 1\r\n");
        got = await step(x, () => sync(x.lx, "LS- foo\r\nLS- bar q\r\n"));
        expect(got.peer).toBe(lnoc ? "LS- $G foo\r\nLS- $G bar q\r\n" : "RS- $G foo\r\nRS- $G bar q\r\n");

        await sync(x.peer, "RS+ $G m1\r\nRS+ $G m2 q 1\r\n");
        got = await step(x, () => sync(x.lx, `LMSG m1 r.1 2\r\nhi\r\nLMSG m2 + r.2 q 3\r\nabc\r\nHMSG m1 ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`));
        expect(got.peer).toBe(
          lnoc
            ? `LMSG X $G m1 r.1 0 2\r\nhi\r\nLMSG X $G m2 + r.2 q 0 3\r\nabc\r\nLMSG X $G m1 ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`
            : `RMSG $G m1 r.1 2\r\nhi\r\nRMSG $G m2 + r.2 q 3\r\nabc\r\nHMSG $G m1 ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`,
        );
        // A leaf node without a cluster name: plain RMSG on any route.
        got = await step(x, async () => {
          const port = await leafPort(servers.at(-1)!);
          const anon = await RawClient.connect(port);
          raws.push(anon);
          await anon.waitFor(/^INFO .*\r\n/);
          await sync(anon, `CONNECT {"name":"LZ","version":"2.9.10","headers":true}\r\nLMSG m1 2\r\nhi\r\n`);
        });
        expect(got.peer).toBe("RMSG $G m1 2\r\nhi\r\n");
      });

      test("interest and messages a peer tags with a cluster do not reach that cluster's leaf nodes", async () => {
        const x = await setup(impl, lnoc);
        let got = await step(x, () => sync(x.peer, "LS+ X $G foo\r\nLS+ X $G bar q 1\r\nRS+ $G baz\r\n"));
        expect(got.lx).toBe("LS+ baz\r\n");
        expect(got.ly).toBe("LS+ foo\r\nLS+ bar q 1\r\nLS+ baz\r\n");
        got = await step(x, () => sync(x.peer, "LS- $G foo\r\nLS- $G bar q\r\n"));
        expect(got.lx).toBe("");
        expect(got.ly).toBe("LS- foo\r\nLS- bar q\r\n");

        await sync(x.lx, "LS+ m1\r\nLS+ m2 q 1\r\n");
        await sync(x.ly, "LS+ m1\r\nLS+ m2 q 1\r\n");
        got = await step(x, () => sync(x.peer, `LMSG X $G m1 0 2\r\nhi\r\nLMSG X $G m1 r.1 ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`));
        expect(got.lx).toBe("");
        expect(got.ly).toBe(`LMSG m1 2\r\nhi\r\nHMSG m1 r.1 ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`);
        got = await step(x, () => sync(x.peer, "LMSG X $G m2 | q 0 2\r\nqq\r\n"));
        expect(got.lx).toBe("");
        // 2.9.10 picks one leaf node member at random and drops the message when it is of the origin's cluster; nats-bun picks among the others.
        if (impl === "ours") expect(got.ly).toBe("LMSG m2 | q 2\r\nqq\r\n");
        // A message cut across reads keeps its origin.
        got = await step(x, async () => {
          x.peer.write("LMSG X $G m1 0 5\r\nsp");
          await Bun.sleep(50);
          await sync(x.peer, "lit\r\n");
        });
        expect(got.lx).toBe("");
        expect(got.ly).toBe("LMSG m1 5\r\nsplit\r\n");
        // Untagged, or tagged with another cluster: every leaf node.
        got = await step(x, () => sync(x.peer, "RMSG $G m1 2\r\nhi\r\nLMSG Z $G m1 0 2\r\nzz\r\n"));
        expect(got.lx).toBe("LMSG m1 2\r\nhi\r\nLMSG m1 2\r\nzz\r\n");
        expect(got.ly).toBe("LMSG m1 2\r\nhi\r\nLMSG m1 2\r\nzz\r\n");
      });
    });
  }

  test(`${impl} server: a leaf node connecting later is not told of its own cluster's interest`, async () => {
    const x = await setup(impl, true, "LS+ X $G pre.x\r\nLS+ Y $G pre.y\r\nRS+ $G pre.any\r\n");
    const subs = (r: RawClient): string[] => [...r.text.matchAll(/LS\+ (pre\.\S+)/g)].map((m) => m[1]!).sort();
    expect(subs(x.lx)).toEqual(["pre.any", "pre.y"]);
    expect(subs(x.ly)).toEqual(["pre.any", "pre.x"]);
    // The route closing takes only what each was told.
    const m = { lx: x.lx.text.length, ly: x.ly.text.length };
    x.peer.close();
    await x.lx.waitFor((t) => t.slice(m.lx).split("LS- ").length > 2);
    await x.ly.waitFor((t) => t.slice(m.ly).split("LS- ").length > 2);
    await sync(x.lx);
    await sync(x.ly);
    const gone = (r: RawClient, from: number): string[] => [...r.text.slice(from).matchAll(/LS- (\S+)/g)].map((g) => g[1]!).sort();
    expect(gone(x.lx, m.lx)).toEqual(["pre.any", "pre.y"]);
    expect(gone(x.ly, m.ly)).toEqual(["pre.any", "pre.x"]);
  });

  test(`${impl} server: a route's bad LMSG closes it as 2.9.10 does`, async () => {
    const x = await setup(impl, true);
    x.peer.write("LMSG X $G foo 2\r\nhi\r\n");
    await x.peer.waitClosed();
    expect(servers.at(-1)!.log()).toContain("processRoutedOriginClusterMsgArgs Parse Error: '[X $G foo 2]'");
  });
}
