// Leaf node faults, with the same raw transcripts against nats-bun and
// nats-server 2.9.10: garbage and long lines from a leaf, no CONNECT, a
// client on the leaf port, a loop ($LDS echoed), a duplicate connection, the
// hub's own cluster name, hub permissions (and what they let cross between
// real servers in every pairing); and on the soliciting side a
// remote at a client port, at a port that never answers, and a hub that
// reports a loop. Each checks the -ERR, the log lines and that only that
// connection goes.

import { afterAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { connect } from "@nats-io/transport-node";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { binOf, leafPair, leafPort, type Impl, type LeafPair } from "../helpers/leaf.ts";

const IMPLS: Impl[] = haveReference ? ["ours", "ref"] : ["ours"];
const running: RunningServer[] = [];
const pairs: LeafPair[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  for (const p of pairs) await p.stop();
});

async function server(impl: Impl, conf: string): Promise<RunningServer> {
  const s = await startServer(["-c", writeConf(`${conf}\n`)], { bin: binOf(impl) });
  running.push(s);
  return s;
}

/** A leaf's CONNECT as a 2.9.10 server sends it (no credentials unless `extra` has them). */
function leafConnect(name = "spoke1", extra = ""): string {
  return `CONNECT {"version":"2.9.10","tls_required":false,"server_id":"N${name.toUpperCase()}","name":"${name}","cluster":"${name}","headers":true${extra}}\r\n`;
}

/** A raw connection to the leaf port that has read the INFO. */
async function rawLeaf(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.waitFor("\r\n");
  return c;
}

/** A raw leaf that is registered (has the INFO with connect_info and the $LDS subject). */
async function linkedLeaf(port: number, name = "spoke1", extra = ""): Promise<RawClient> {
  const c = await rawLeaf(port);
  c.write(leafConnect(name, extra));
  await c.waitFor(/LS\+ \$LDS\.\S+\r\n/);
  return c;
}

/** Log lines (without pid, time and connection label) matching `re`, as `[LVL] text`. */
function logLines(s: RunningServer, re: RegExp): string[] {
  return s
    .log()
    .split("\n")
    .filter((l) => re.test(l))
    .map((l) => l.replace(/^\[\d+\] \S+ \S+ (\[\w+\]) (?:\S+ - lid:\d+ - )?/, "$1 "));
}

/** The -ERR lines a raw connection got. */
function errs(c: RawClient): string[] {
  return c.text.split("\r\n").filter((l) => l.startsWith("-ERR"));
}

/** The server still serves: a client gets its own message back. */
async function stillServes(s: RunningServer): Promise<void> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}` });
  const sub = nc.subscribe("alive", { max: 1 });
  nc.publish("alive", "yes");
  for await (const m of sub) expect(m.string()).toBe("yes");
  await nc.close();
}

/** Runs `fn` against every hub implementation at once; returns the results by implementation. */
async function each<T>(fn: (impl: Impl) => Promise<T>): Promise<Map<Impl, T>> {
  const out = await Promise.all(IMPLS.map(async (impl) => [impl, await fn(impl)] as const));
  return new Map(out);
}

/** The same value from every implementation; returns ours. */
function same<T>(m: Map<Impl, T>): T {
  const ours = m.get("ours")!;
  if (m.has("ref")) expect(ours).toEqual(m.get("ref")!);
  return ours;
}

describe("bad input on the leaf port", () => {
  test("an unknown operation after CONNECT: -ERR, parser error logged, that connection closed", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await linkedLeaf(await leafPort(s));
      const other = await linkedLeaf(await leafPort(s), "spoke2");
      c.write("FOO BAR\r\n");
      await c.waitClosed();
      await stillServes(s);
      expect(other.closed).toBe(false);
      other.close();
      return { errs: errs(c), log: logLines(s, /parser ERROR|connection closed: Protocol/) };
    });
    expect(same(r)).toEqual({
      errs: ["-ERR 'Unknown Protocol Operation'"],
      log: [`[ERR] Leafnode parser ERROR, state=0, i=0: proto='"FOO BAR\\r"...'`, "[INF] Leafnode connection closed: Protocol Violation account: $G"],
    });
  });

  test("a control line longer than max_control_line is taken from a leaf (2.9.10 limits clients only)", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await linkedLeaf(await leafPort(s));
      const got = await c.transact(`LS+ long.${"a".repeat(5000)}\r\n`);
      const closed = c.closed;
      c.close();
      return { got, closed };
    });
    expect(same(r)).toEqual({ got: "PONG\r\n", closed: false });
  });

  test("a message larger than max_payload from a leaf is taken and delivered (2.9.10 limits client PUBs only)", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const sub = await RawClient.connect(s.port);
      await sub.transact('CONNECT {"verbose":false}\r\nSUB big 1\r\n');
      const c = await linkedLeaf(await leafPort(s));
      await c.waitFor("LS+ big\r\n");
      const size = 2 * 1024 * 1024;
      const got = await c.transact(`LMSG big ${size}\r\n${"x".repeat(size)}\r\n`, 5000);
      await sub.waitFor(`MSG big 1 ${size}\r\n`, 5000);
      const closed = c.closed;
      c.close();
      sub.close();
      return { got, closed };
    });
    expect(same(r)).toEqual({ got: "PONG\r\n", closed: false });
  });

  test("malformed LS+ and LS-: an invalid subject is refused, a stray LS- ignored, a wrong argument count closes", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await linkedLeaf(await leafPort(s));
      const got: string[] = [];
      for (const line of ["LS+ foo..bar", "LS- a b c", "LS- nothere", "LS+ q g x"]) got.push(await c.transact(`${line}\r\n`));
      c.write("LS+ a  b\r\n");
      await c.waitClosed();
      return { got, log: logLines(s, /Could not insert|Parse Error|connection closed/) };
    });
    expect(same(r)).toEqual({
      got: ["-ERR 'Invalid Subscription'\r\nPONG\r\n", "PONG\r\n", "PONG\r\n", "PONG\r\n"],
      log: [
        "[ERR] Could not insert subscription: sublist: invalid subject",
        "[ERR] processLeafSub Parse Error: 'a  b'",
        "[INF] Leafnode connection closed: Protocol Violation account: $G",
      ],
    });
  });

  test("an operation before CONNECT is an authorization violation (no account bound yet)", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await rawLeaf(await leafPort(s));
      c.write("LS+ foo\r\n");
      await c.waitClosed();
      await stillServes(s);
      return { errs: errs(c), log: logLines(s, /authentication error|connection closed/) };
    });
    expect(same(r)).toEqual({
      errs: ["-ERR 'Authorization Violation'"],
      log: ["[ERR] authentication error", "[INF] Leafnode connection closed: Authentication Failure account: "],
    });
  });

  test("no CONNECT within the authorization timeout", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1, authorization { timeout: 1 } }");
      const c = await rawLeaf(await leafPort(s));
      await c.waitClosed(4000);
      return { errs: errs(c), log: logLines(s, /connection closed/) };
    });
    expect(same(r)).toEqual({
      errs: ["-ERR 'Authentication Timeout'"],
      log: ["[INF] Leafnode connection closed: Authentication Timeout account: "],
    });
  });

  test("a client's CONNECT (with lang) on the leaf port", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await rawLeaf(await leafPort(s));
      c.write(`CONNECT {"verbose":false,"pedantic":false,"lang":"go","version":"1.2.2","protocol":1}\r\n`);
      await c.waitClosed();
      await Bun.sleep(50);
      return { errs: errs(c), log: logLines(s, /attempted|connection closed/) };
    });
    expect(same(r)).toEqual({
      errs: ["-ERR 'attempted to connect to leaf node port'"],
      log: ["[ERR] attempted to connect to leaf node port", "[INF] Leafnode connection closed: Incorrect Port account: $G", "[ERR] attempted to connect to leaf node port"],
    });
  });

  test("a client's CONNECT on a leaf port with authorization fails authentication first", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1, authorization { user: leaf, password: pw } }");
      const c = await rawLeaf(await leafPort(s));
      c.write(`CONNECT {"verbose":false,"lang":"go","version":"1.2.2","protocol":1}\r\n`);
      await c.waitClosed();
      return errs(c);
    });
    expect(same(r)).toEqual(["-ERR 'Authorization Violation'"]);
  });

  test("a wrong password with client users names the user in the log", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "authorization { users: [{ user: leaf, password: pw }] }\nleafnodes { port: -1 }");
      const c = await rawLeaf(await leafPort(s));
      c.write(leafConnect("spoke1", `,"user":"leaf","pass":"bad"`));
      await c.waitClosed();
      return { errs: errs(c), log: logLines(s, /authentication error/) };
    });
    expect(same(r)).toEqual({ errs: ["-ERR 'Authorization Violation'"], log: ['[ERR] authentication error - User "leaf"'] });
  });
});

describe("loops, duplicates and permissions on the hub", () => {
  test("the hub's own $LDS subject from a leaf is a loop", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const c = await linkedLeaf(await leafPort(s));
      const lds = /LS\+ (\$LDS\.\S+)\r\n/.exec(c.text)![1]!;
      c.write(`LS+ ${lds}\r\n`);
      await c.waitClosed();
      await stillServes(s);
      return { errs: errs(c), log: logLines(s, /Loop detected|connection closed/) };
    });
    const text = 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s';
    expect(same(r)).toEqual({
      errs: [`-ERR '${text}'`],
      log: [`[ERR] ${text}`, "[INF] Leafnode connection closed: Protocol Violation account: $G"],
    });
  });

  test("a second connection from the same server, cluster and account replaces the first", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "leafnodes { port: -1 }");
      const port = await leafPort(s);
      const first = await linkedLeaf(port);
      const second = await linkedLeaf(port);
      await first.waitClosed();
      await Bun.sleep(100);
      const kept = !second.closed;
      second.close();
      return { errs: errs(first), kept, log: logLines(s, /Duplicate|Replacing/) };
    });
    expect(same(r)).toEqual({
      errs: ["-ERR 'Duplicate Remote LeafNode Connection'"],
      kept: true,
      log: [
        "[ERR] Duplicate Remote LeafNode Connection",
        "[INF] Leafnode connection closed: Duplicate Remote LeafNode Connection account: $G",
        "[WRN] Replacing connection from same server",
      ],
    });
  });

  test("a leaf from a cluster of the hub's own name", async () => {
    const r = await each(async (impl) => {
      const s = await server(impl, "cluster { name: C1, port: -1 }\nleafnodes { port: -1 }");
      const c = await rawLeaf(await leafPort(s));
      const info = JSON.parse(/^INFO (\{.*\}) \r\n/.exec(c.text)![1]!) as { cluster?: string };
      c.write(leafConnect("C1"));
      await c.waitClosed();
      await Bun.sleep(50);
      return { cluster: info.cluster, errs: errs(c), log: logLines(s, /same cluster name|Cluster Names/) };
    });
    expect(same(r)).toEqual({
      cluster: "C1",
      errs: ["-ERR 'remote leafnode has same cluster name'"],
      log: [
        "[ERR] remote leafnode has same cluster name",
        "[INF] Leafnode connection closed: Cluster Names Identical account: $G",
        "[ERR] remote leafnode has same cluster name",
      ],
    });
  });

  test("interest the bound user may not publish to: permissions INFO, then violation and close", async () => {
    const conf = `authorization { users: [{ user: leaf, password: pw, permissions: { publish: "foo.>", subscribe: "bar.>" } }] }\nleafnodes { port: -1 }`;
    const r = await each(async (impl) => {
      const s = await server(impl, conf);
      const c = await linkedLeaf(await leafPort(s), "spoke1", `,"user":"leaf","pass":"pw"`);
      const info = JSON.parse(/^INFO (\{.*"connect_info":true.*\}) \r\n/m.exec(c.text)![1]!) as Record<string, unknown>;
      // The service imports go to the leaf whatever the permissions say.
      const dump = [...c.text.matchAll(/^LS\+ (\S+)\r$/gm)].map((m) => m[1]!.replace(/^\$LDS\..*/, "$LDS")).sort();
      // Wildcards and queue interest are not checked; a literal subject is.
      expect(await c.transact("LS+ baz.* q 1\r\nLS+ >\r\nLS+ bar.x\r\n")).toBe("PONG\r\n");
      c.write("LS+ foo.x\r\n");
      await c.waitClosed();
      return { imp: info.import, exp: info.export, dump, errs: errs(c), log: logLines(s, /Violation on|connection closed/) };
    });
    expect(same(r)).toEqual({
      imp: { allow: ["bar.>"] },
      exp: { allow: ["foo.>"] },
      dump: ["$LDS", "$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.SERVER.PING.CONNZ"],
      errs: [`-ERR 'Permissions Violation for Subscription to "foo.x"'`],
      log: ['[ERR] Subscription Violation on "foo.x" - Check other side configuration', "[INF] Leafnode connection closed: Protocol Violation account: $G"],
    });
  });
});

describe("the bound user's permissions across the link", () => {
  const hubConf = `authorization { users: [{ user: leaf, password: pw, permissions: { publish: "up.>", subscribe: "down.>" } }, { user: c, password: c }] }\nleafnodes { port: -1 }`;
  const pairings: Array<[Impl, Impl]> = haveReference
    ? [
        ["ours", "ref"],
        ["ref", "ours"],
        ["ours", "ours"],
      ]
    : [["ours", "ours"]];
  for (const [hubImpl, leafImpl] of pairings) {
    test(`hub ${hubImpl}, leaf ${leafImpl}: "up.>" goes up, "down.>" comes down, a ">" subscriber on each side`, async () => {
      const p = await leafPair(hubImpl, leafImpl, hubConf, (url) => `leafnodes { remotes: [{ url: "${url.replace("//", "//leaf:pw@")}" }] }`);
      pairs.push(p);
      const hub = await connect({ servers: `127.0.0.1:${p.hub.port}`, user: "c", pass: "c" });
      const leaf = await connect({ servers: `127.0.0.1:${p.leaf.port}` });
      const atHub: string[] = [];
      const atLeaf: string[] = [];
      hub.subscribe(">", { callback: (_e, m) => void (m.subject.startsWith("$") || atHub.push(`${m.subject}:${m.string()}`)) });
      leaf.subscribe(">", { callback: (_e, m) => void (m.subject.startsWith("$") || atLeaf.push(`${m.subject}:${m.string()}`)) });
      await hub.flush();
      await leaf.flush();
      // Each side's ">" crosses the link asynchronously: probe until both saw the other side.
      const end = Date.now() + 5000;
      while (!(atHub.includes("up.probe:leaf") && atLeaf.includes("down.probe:hub")) && Date.now() < end) {
        leaf.publish("up.probe", "leaf");
        hub.publish("down.probe", "hub");
        await Bun.sleep(30);
      }
      for (const subject of ["up.1", "down.1", "other.1"]) {
        leaf.publish(subject, "leaf");
        hub.publish(subject, "hub");
      }
      // Markers last: what crosses the link arrives in order.
      leaf.publish("up.end", "leaf");
      hub.publish("down.end", "hub");
      while (!(atHub.includes("up.end:leaf") && atLeaf.includes("down.end:hub")) && Date.now() < end) await Bun.sleep(10);
      await hub.close();
      await leaf.close();
      const seen = (l: string[]): string[] => [...new Set(l.filter((x) => !x.includes(".probe:") && !x.includes(".end:")))].sort();
      // As two 2.9.10 servers do it: each side's own messages locally, and only what the permissions let cross.
      expect({ atHub: seen(atHub), atLeaf: seen(atLeaf), closed: /Leafnode connection closed/.test(p.hub.log()) }).toEqual({
        atHub: ["down.1:hub", "other.1:hub", "up.1:hub", "up.1:leaf"],
        atLeaf: ["down.1:hub", "down.1:leaf", "other.1:leaf", "up.1:leaf"],
        closed: false,
      });
    });
  }
});

/**
 * A TCP server that answers like a 2.9.10 hub up to connect_info (unless
 * `connectInfo` is false), then does `act` once the leaf's interest came.
 * Its INFO lists 127.0.0.1:1 as another leaf node URL of its cluster.
 */
function fakeHub(act: (write: (s: string) => void, got: string) => void, connectInfo = true): { port: number; conns: () => number; stop: () => void } {
  /** The first INFO (with a nonce), or the one answering CONNECT. */
  const info = (second: boolean): string =>
    `INFO {"server_id":"NFAKEHUB","server_name":"fakehub","version":"2.9.10","proto":1,"headers":true,"auth_required":true,"max_payload":1048576,"client_id":7` +
    (second ? `,"info_on_connect":true,"connect_info":true,"leafnode_urls":["127.0.0.1:1"],"remote_account":"$G"} \r\n` : `,"nonce":"abc","info_on_connect":true,"leafnode_urls":["127.0.0.1:1"]} \r\n`);
  let conns = 0;
  const l = Bun.listen<{ buf: string; state: number }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s: Socket<{ buf: string; state: number }>) {
        conns++;
        s.data = { buf: "", state: 0 };
        s.write(info(false));
      },
      data(s, d) {
        s.data.buf += d.toString();
        if (s.data.state === 0 && s.data.buf.includes("CONNECT ")) {
          s.data.state = 1;
          if (connectInfo) s.write(info(true));
        }
        if (s.data.state === 1 && /LS\+ \$LDS\.\S+\r\n/.test(s.data.buf)) {
          s.data.state = 2;
          act((x) => s.write(x), s.data.buf);
        }
      },
    },
  });
  return { port: l.port, conns: () => conns, stop: () => l.stop(true) };
}

describe("the soliciting side", () => {
  const remoteConf = (url: string): string => `leafnodes { remotes: [{ url: "${url}" }] }`;

  test("a remote at a client port: wrong port, retried at the interval, local clients keep working", async () => {
    const r = await each(async (impl) => {
      const target = await server("ours", "");
      const leaf = await server(impl, remoteConf(`nats-leaf://127.0.0.1:${target.port}`));
      await leaf.waitLog(/attempted to connect to wrong port[\s\S]*attempted to connect to wrong port/, 4000);
      await stillServes(leaf);
      return logLines(leaf, /wrong port|connection closed/).slice(0, 4);
    });
    expect(same(r)).toEqual([
      "[ERR] attempted to connect to wrong port",
      "[INF] Leafnode connection closed: Incorrect Port account: $G",
      "[ERR] attempted to connect to wrong port",
      "[INF] Leafnode connection closed: Incorrect Port account: $G",
    ]);
  });

  test("a remote that accepts TCP and never sends INFO: closed after the INFO wait, retried", async () => {
    const r = await each(async (impl) => {
      const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const leaf = await server(impl, remoteConf(`nats-leaf://127.0.0.1:${silent.port}`));
      await leaf.waitLog(/connection closed: Read Error[\s\S]*connection created/, 4000);
      await stillServes(leaf);
      silent.stop(true);
      return logLines(leaf, /connection (created|closed)/).slice(0, 3);
    });
    expect(same(r)).toEqual([
      "[INF] Leafnode connection created for account: $G ",
      "[INF] Leafnode connection closed: Read Error account: $G",
      "[INF] Leafnode connection created for account: $G ",
    ]);
  });

  test("no INFO with connect_info: stale, then the URL the hub listed is tried before the configured one", async () => {
    const r = await each(async (impl) => {
      const hub = fakeHub(() => undefined, false);
      const leaf = await server(impl, remoteConf(`nats-leaf://127.0.0.1:${hub.port}`));
      await leaf.waitLog(/connection refused[\s\S]*connection created/, 6000);
      hub.stop();
      return logLines(leaf, /connection (created|closed)|Error trying/).slice(0, 4);
    });
    expect(same(r)).toEqual([
      "[INF] Leafnode connection created for account: $G ",
      "[INF] Leafnode connection closed: Stale Connection account: $G",
      '[ERR] Error trying to connect as leafnode to remote server "127.0.0.1:1" (attempt 1): dial tcp 127.0.0.1:1: connect: connection refused',
      "[INF] Leafnode connection created for account: $G ",
    ]);
  });

  test("the hub sends back the leaf's own $LDS: loop, and no new attempt for 30 s", async () => {
    const r = await each(async (impl) => {
      const hub = fakeHub((write, got) => write(`LS+ ${/LS\+ (\$LDS\.\S+)\r\n/.exec(got)![1]}\r\n`));
      const leaf = await server(impl, remoteConf(`nats-leaf://127.0.0.1:${hub.port}`));
      await leaf.waitLog("connection closed", 4000);
      // The usual interval is 1 s: 2.5 s without a new connection shows the longer delay.
      await Bun.sleep(2500);
      hub.stop();
      return { conns: hub.conns(), log: logLines(leaf, /Loop detected|connection closed/) };
    });
    expect(same(r)).toEqual({
      conns: 1,
      log: ['[ERR] Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s', "[INF] Leafnode connection closed: Protocol Violation account: $G"],
    });
  });

  test("the hub reports a loop with -ERR: logged, closed, 30 s delay", async () => {
    const text = 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s';
    const r = await each(async (impl) => {
      const hub = fakeHub((write) => write(`-ERR '${text}'\r\n`));
      const leaf = await server(impl, remoteConf(`nats-leaf://127.0.0.1:${hub.port}`));
      await leaf.waitLog("connection closed", 4000);
      await Bun.sleep(1500);
      hub.stop();
      return { conns: hub.conns(), log: logLines(leaf, /Loop detected|connection closed/) };
    });
    expect(same(r)).toEqual({
      conns: 1,
      log: [`[ERR] Leafnode Error '${text}'`, `[ERR] ${text}`, "[INF] Leafnode connection closed: Protocol Violation account: $G"],
    });
  });
});
