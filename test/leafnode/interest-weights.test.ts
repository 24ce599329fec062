// Queue interest counts told to leaf nodes come back to zero: a queue
// group's weight counts when it comes, changes and goes, whether it came from
// another leaf node (LS+ with a weight, then LS- or a close) or from a route
// (RS+ with a weight, then the route closing). A count left above zero is
// interest that is not there: the leaf node would keep sending requests to
// the hub and never hear "no responders". And a queue message from a leaf
// node never goes back to its own cluster through another leaf connection.

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

/** A raw leaf node connection to the hub's leaf port, bound (the hub's interest sent). */
async function rawLeaf(port: number, name: string, cluster = ""): Promise<RawClient> {
  const r = await RawClient.connect(port);
  raws.push(r);
  await r.waitFor(/^INFO .*\r\n/);
  const cl = cluster === "" ? "" : `,"cluster":"${cluster}"`;
  r.write(`CONNECT {"name":"${name}","version":"2.9.10","headers":true${cl}}\r\nPING\r\n`);
  await r.waitFor("$LDS.");
  return r;
}

/** What `r` received after `from` (its offset), PINGs answered so the hub keeps it. */
function after(r: RawClient, from: number): string {
  return r.text.slice(from).replace(/PING\r\n|PONG\r\n/g, "");
}

async function hub(impl: Impl, extra = ""): Promise<{ s: RunningServer; port: number }> {
  const s = await startServer(["-c", writeConf(`leafnodes { listen: "127.0.0.1:-1" }\n${extra}\n`)], { bin: binOf(impl) });
  servers.push(s);
  return { s, port: await leafPort(s) };
}

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];

for (const impl of IMPLS) {
  describe(`queue weights to leaf nodes (${impl} hub)`, () => {
    test("a leaf node closing takes its whole queue weight away from the others", async () => {
      const { port } = await hub(impl);
      const l2 = await rawLeaf(port, "L2");
      const l1 = await rawLeaf(port, "L1");
      const mark = l2.text.length;
      l1.write("LS+ foo q 1\r\nLS+ foo q 3\r\n");
      await l2.waitFor((t) => after(l2, mark).includes("LS+ foo q 3\r\n"));
      l1.close();
      await l2.waitFor((t) => /LS[+-] foo q( \d+)?\r\n$/.test(after(l2, mark)) && after(l2, mark).split("\r\n").length >= 4);
      expect(after(l2, mark)).toBe("LS+ foo q 1\r\nLS+ foo q 3\r\nLS- foo q\r\n");
    });

    test("a queue message from one leaf node of a cluster never goes back to another of the same cluster", async () => {
      const { port } = await hub(impl);
      const l2 = await rawLeaf(port, "L2", "X");
      const l1 = await rawLeaf(port, "L1", "X");
      l2.write("LS+ foo q 1\r\nPING\r\n");
      await l2.waitFor("PONG");
      // Interest from the same cluster is not told back to it, and the message is not either.
      l1.write("PING\r\n");
      await l1.waitFor("PONG");
      const mark = l2.text.length;
      l1.write("LMSG foo | q 2\r\nhi\r\nPING\r\n");
      await l1.waitFor((t) => t.endsWith("PONG\r\n") && t.split("PONG").length > 2);
      l2.write("PING\r\n");
      await l2.waitFor((t) => t.slice(mark).includes("PONG"));
      expect(l2.text.slice(mark)).not.toContain("LMSG");
    });
  });
}

describe("queue weights to leaf nodes (ours, beyond 2.9.10's own counting)", () => {
  test("LS- of a queue group with a weight above one takes it all away", async () => {
    const { port } = await hub("ours");
    const l2 = await rawLeaf(port, "L2");
    const l1 = await rawLeaf(port, "L1");
    const mark = l2.text.length;
    l1.write("LS+ foo q 1\r\nLS+ foo q 3\r\nLS- foo q\r\n");
    await l2.waitFor((t) => after(l2, mark).split("\r\n").length >= 4);
    expect(after(l2, mark)).toBe("LS+ foo q 1\r\nLS+ foo q 3\r\nLS- foo q\r\n");
  });

  test("a route closing takes its queue weight away from the leaf nodes", async () => {
    const cport = freePort();
    const { port } = await hub("ours", `cluster { name: C1, listen: "127.0.0.1:${cport}" }`);
    const l2 = await rawLeaf(port, "L2");
    const mark = l2.text.length;
    const r = await RawClient.connect(cport);
    raws.push(r);
    await r.waitFor(/^INFO .*\r\n/);
    r.write(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"PEER","cluster":"C1"}\r\n`);
    r.write(`INFO {"server_id":"PEER","server_name":"peer","cluster":"C1","headers":true}\r\n`);
    r.write("RS+ $G foo q 1\r\nRS+ $G foo q 3\r\n");
    await l2.waitFor((t) => after(l2, mark).includes("LS+ foo q 3\r\n"));
    r.close();
    await l2.waitFor((t) => after(l2, mark).split("\r\n").length >= 4);
    expect(after(l2, mark)).toBe("LS+ foo q 1\r\nLS+ foo q 3\r\nLS- foo q\r\n");
  });
});
