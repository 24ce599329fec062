// Accounts: isolated subject spaces, crossed only through export/import
// pairs. Every test watches `>` in every account so a leak shows up.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";

const CONF = `
accounts {
  A: {
    users: [ {user: a, password: a} ]
    exports: [
      {stream: "news.>"}
      {service: "help.>"}
      {service: "private.svc", accounts: [C]}
      {service: "multi.svc", response_type: stream}
      {service: "once.svc"}
      {service: "slow.svc", response_type: stream, response_threshold: "300ms"}
    ]
  }
  B: {
    users: [ {user: b, password: b} ]
    imports: [
      {stream: {account: A, subject: "news.>"}, prefix: "a"}
      {service: {account: A, subject: "help.x"}, to: "a.help"}
      {service: {account: A, subject: "multi.svc"}}
      {service: {account: A, subject: "slow.svc"}}
    ]
  }
  C: {
    users: [ {user: c, password: c} ]
    imports: [
      {stream: {account: A, subject: "news.sports"}, to: "sports"}
      {service: {account: A, subject: "help.*"}}
      {service: {account: A, subject: "private.svc"}}
      {service: {account: A, subject: "once.svc"}}
    ]
  }
  D: { users: [ {user: d, password: d} ] }
}
authorization { users: [ {user: g, password: g} ] }
`;

let srv: RunningServer;
const conns: NatsConnection[] = [];
const watchers: Record<string, RawClient> = {};

beforeAll(async () => {
  srv = await startServer(["-c", writeConf(CONF)]);
  for (const u of ["a", "b", "c", "d", "g"]) {
    const w = await RawClient.connect(srv.port);
    await w.transact(`CONNECT {"user":"${u}","pass":"${u}","verbose":false,"headers":true}\r\nSUB > 99\r\n`);
    watchers[u] = w;
  }
});
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => {});
  for (const w of Object.values(watchers)) w.close();
  await srv.stop();
});

async function as(user: string): Promise<NatsConnection> {
  const c = await connect({ servers: `127.0.0.1:${srv.port}`, user, pass: user, reconnect: false });
  conns.push(c);
  return c;
}

/** Waits for deliveries to settle, then returns what each watcher saw since `marks`. */
async function seenSince(marks: Record<string, number>): Promise<Record<string, string>> {
  for (const w of Object.values(watchers)) await w.transact("");
  const out: Record<string, string> = {};
  for (const [u, w] of Object.entries(watchers)) out[u] = w.text.slice(marks[u]).replaceAll("PONG\r\n", "");
  return out;
}
function marks(): Record<string, number> {
  return Object.fromEntries(Object.entries(watchers).map(([u, w]) => [u, w.text.length]));
}

describe("isolation", () => {
  test("nothing crosses an account boundary without an export/import pair", async () => {
    const m = marks();
    for (const u of ["a", "b", "c", "d", "g"]) {
      const c = await as(u);
      c.publish(`private.${u}`, u);
      c.publish("shared.name", u);
      await c.flush();
    }
    const seen = await seenSince(m);
    for (const u of ["a", "b", "c", "d", "g"]) {
      expect(seen[u]).toBe(`MSG private.${u} 99 1\r\n${u}\r\nMSG shared.name 99 1\r\n${u}\r\n`);
    }
  });
});

describe("stream imports", () => {
  test("prefix and to: exported subjects appear, renamed, in importers only", async () => {
    const m = marks();
    const a = await as("a");
    a.publish("news.sports", "goal");
    a.publish("news.weather", "rain");
    await a.flush();
    const seen = await seenSince(m);
    expect(seen.a).toBe("MSG news.sports 99 4\r\ngoal\r\nMSG news.weather 99 4\r\nrain\r\n");
    expect(seen.b).toBe("MSG a.news.sports 99 4\r\ngoal\r\nMSG a.news.weather 99 4\r\nrain\r\n");
    expect(seen.c).toBe("MSG sports 99 4\r\ngoal\r\n");
    expect(seen.d).toBe("");
    expect(seen.g).toBe("");
  });

  test("publishing the imported subject in the importer does not flow back", async () => {
    const m = marks();
    const b = await as("b");
    b.publish("a.news.sports", "fake");
    await b.flush();
    const seen = await seenSince(m);
    expect(seen.a).toBe("");
    expect(seen.b).toBe("MSG a.news.sports 99 4\r\nfake\r\n");
  });
});

describe("service imports", () => {
  test("request/reply across accounts with a renamed subject", async () => {
    const a = await as("a");
    a.subscribe("help.>", { callback: (_e, msg) => void msg.respond(`answer to ${msg.subject}`) });
    await a.flush();
    const b = await as("b");
    const r = await b.request("a.help", "q", { timeout: 2000 });
    expect(new TextDecoder().decode(r.data)).toBe("answer to help.x");
    const c = await as("c");
    const r2 = await c.request("help.zz", "q", { timeout: 2000 });
    expect(new TextDecoder().decode(r2.data)).toBe("answer to help.zz");
  });

  test("the responder sees a _R_ reply and the Nats-Request-Info header", async () => {
    const m = marks();
    const b = await as("b");
    await b.request("a.help", "q", { timeout: 500 }).catch(() => null);
    const seen = await seenSince(m);
    expect(seen.a).toMatch(/^HMSG help\.x 99 _R_\.\S+ \d+ \d+\r\nNATS\/1\.0\r\nNats-Request-Info: \{"acc":"B","rtt":\d+\}\r\n\r\nq\r\n/);
    expect(seen.c).toBe("");
    expect(seen.d).toBe("");
  });

  test("singleton: one response; stream: several", async () => {
    const a = await as("a");
    a.subscribe("multi.svc", {
      callback: (_e, msg) => {
        for (let i = 0; i < 3; i++) msg.respond(`part ${i}`);
      },
    });
    a.subscribe("once.svc", {
      callback: (_e, msg) => {
        msg.respond("first");
        msg.respond("second");
      },
    });
    await a.flush();
    const b = await as("b");
    const inbox = "_INBOX.multi";
    const got: string[] = [];
    b.subscribe(inbox, { callback: (_e, msg) => void got.push(new TextDecoder().decode(msg.data)) });
    b.publish("multi.svc", "go", { reply: inbox });
    await b.flush();
    const deadline = Date.now() + 2000;
    while (got.length < 3 && Date.now() < deadline) await Bun.sleep(10);
    expect(got).toEqual(["part 0", "part 1", "part 2"]);

    const c = await as("c");
    const once: string[] = [];
    c.subscribe("_INBOX.once", { callback: (_e, msg) => void once.push(new TextDecoder().decode(msg.data)) });
    c.publish("once.svc", "go", { reply: "_INBOX.once" });
    await c.flush();
    await Bun.sleep(100);
    await c.flush();
    expect(once).toEqual(["first"]);
  });

  test("a response mapping expires after the export's response_threshold", async () => {
    const a = await as("a");
    a.subscribe("slow.svc", {
      callback: (_e, msg) => {
        msg.respond("early");
        setTimeout(() => msg.respond("too late"), 800);
      },
    });
    await a.flush();
    const b = await as("b");
    const got: string[] = [];
    b.subscribe("_INBOX.slow", { callback: (_e, msg) => void got.push(new TextDecoder().decode(msg.data)) });
    b.publish("slow.svc", "go", { reply: "_INBOX.slow" });
    await b.flush();
    await Bun.sleep(1500);
    await a.flush();
    await b.flush();
    expect(got).toEqual(["early"]);
  });

  test("an export restricted to other accounts cannot be imported", async () => {
    const conf = writeConf(`
      accounts {
        A: { exports: [ {service: "svc", accounts: [C]} ] }
        B: { imports: [ {service: {account: A, subject: "svc"}} ] }
        C: {}
      }
    `);
    const r = await runBinary(["-t", "-c", conf]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not authorized");
  });
});

describe("non-ASCII subjects in exports and imports", () => {
  test("an export of é.> reaches the importer, as with nats-server", async () => {
    const conf = writeConf(`accounts {
      A: { users: [ {user: a, password: a} ], exports: [ {stream: "é.>"} ] }
      B: { users: [ {user: b, password: b} ], imports: [ {stream: {account: A, subject: "é.>"}, prefix: "p"} ] }
    }\n`);
    const run = async (bin?: string): Promise<string> => {
      const s = await startServer(["-c", conf], bin ? { bin } : {});
      try {
        const b = await RawClient.connect(s.port);
        await b.transact('CONNECT {"user":"b","pass":"b","verbose":false}\r\nSUB > 1\r\n');
        const a = await RawClient.connect(s.port);
        await a.transact('CONNECT {"user":"a","pass":"a","verbose":false}\r\nPUB é.x 2\r\nhi\r\n');
        await b.transact("");
        a.close();
        b.close();
        return stripInfo(b.text);
      } finally {
        await s.stop();
      }
    };
    const got = await run();
    expect(got).toContain("MSG p.é.x 1 2\r\nhi\r\n".replace("é", "\u00c3\u00a9"));
    if (haveReference) expect(got).toBe(await run(NATS_SERVER));
  });
});
