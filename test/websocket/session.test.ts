// WebSocket clients speaking the protocol, against nats-server 2.9.10:
// INFO, pub/sub with TCP clients, frames that split or batch operations,
// close frames per reason, the websocket block's auth overrides and
// connection types, compression.

import { afterAll, describe, expect, test } from "bun:test";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { WsClient, wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

interface Pair {
  name: string;
  server: RunningServer;
  ws: number;
}

async function both(conf: string): Promise<Pair[]> {
  const path = writeConf(conf);
  const out: Pair[] = [];
  for (const [name, bin] of [["ours", undefined], ["ref", NATS_SERVER]] as const) {
    if (name === "ref" && !haveReference) continue;
    const server = await startServer(["-c", path], { bin });
    running.push(server);
    out.push({ name, server, ws: await wsPort(server) });
  }
  return out;
}

function infoOf(text: string): Record<string, unknown> {
  const m = /^INFO (\{.*\}) \r\n/.exec(text);
  if (!m) throw new Error(`no INFO in ${JSON.stringify(text)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

const CONNECT = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":true,"no_responders":true}\r\n';

describe("protocol over websocket", async () => {
  const pairs = await both("websocket { port: -1, no_tls: true }\n");

  test("INFO has the same fields as 2.9.10's", async () => {
    const keys: string[][] = [];
    for (const p of pairs) {
      const c = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      await c.waitFor("\r\n");
      keys.push(Object.keys(infoOf(c.text)).filter((k) => k !== "go" && k !== "git_commit"));
      c.close();
    }
    if (keys.length === 2) expect(keys[0]).toEqual(keys[1]!);
  });

  test("pub/sub between websocket and TCP clients, split and batched frames", async () => {
    const transcripts: string[] = [];
    for (const p of pairs) {
      const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      const tcp = await RawClient.connect(p.server.port);
      await tcp.transact(CONNECT + "SUB ws.> 1\r\n");
      // One CONNECT split over three frames; then several operations in one frame.
      ws.send(CONNECT.slice(0, 10));
      ws.send(CONNECT.slice(10, 30));
      ws.send(CONNECT.slice(30));
      let t = await ws.transact("SUB tcp.* 7\r\nSUB ws.echo 8\r\n");
      tcp.write("PUB tcp.a 5\r\nhello\r\nHPUB tcp.b 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
      await ws.waitFor("HMSG tcp.b");
      // A payload split mid-way across frames.
      ws.send("PUB ws.x 10\r\n01234");
      ws.send("56789\r\nPUB ws.echo 2\r\nok\r\n");
      t += await ws.transact("");
      await tcp.waitFor("MSG ws.x 1 10\r\n0123456789\r\n");
      transcripts.push(stripInfo(ws.text) + "|" + stripInfo(tcp.text) + "|" + t);
      ws.close();
      tcp.close();
    }
    expect(transcripts[0]).toContain("MSG tcp.a 7 5\r\nhello\r\n");
    expect(transcripts[0]).toContain("MSG ws.echo 8 2\r\nok\r\n");
    if (transcripts.length === 2) expect(transcripts[0]).toBe(transcripts[1]!);
  });

  test("a text frame is taken as protocol too", async () => {
    for (const p of pairs) {
      const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      await ws.waitFor("\r\n");
      ws.send(CONNECT);
      expect(await ws.transact("SUB a 1\r\nPUB a 1\r\nx\r\n")).toBe("MSG a 1 1\r\nx\r\nPONG\r\n");
      ws.close();
    }
  });
});

describe("close frames", async () => {
  const pairs = await both("websocket { port: -1, no_tls: true }\nmax_payload: 100\nauthorization { token: secret }\n");
  const closeOf = async (p: Pair, send: string): Promise<string> => {
    const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
    await ws.waitFor("\r\n");
    ws.send(send);
    await ws.waitClosed();
    return `${ws.closeCode} ${ws.closeReason} ${stripInfo(ws.text)}`;
  };
  for (const [label, send] of [
    ["authentication failure", 'CONNECT {"auth_token":"wrong"}\r\n'],
    ["parse error", 'CONNECT {"auth_token":"secret"}\r\nBOGUS\r\n'],
    ["max payload", 'CONNECT {"auth_token":"secret"}\r\nPUB a 200\r\n'],
    ["no CONNECT first", "SUB a 1\r\n"],
  ] as const) {
    test(label, async () => {
      const got = await Promise.all(pairs.map((p) => closeOf(p, send)));
      if (got.length === 2) expect(got[0]).toBe(got[1]!);
      expect(got[0]).toMatch(/^10\d\d /);
    });
  }

  test("server shutdown", async () => {
    const got: string[] = [];
    for (const p of await both("websocket { port: -1, no_tls: true }\n")) {
      const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      ws.send(CONNECT);
      await ws.transact("");
      p.server.proc.kill("SIGTERM");
      await ws.waitClosed();
      got.push(`${ws.closeCode} ${ws.closeReason}`);
    }
    expect(got[0]).toBe("1001 Server Shutdown");
    if (got.length === 2) expect(got[0]).toBe(got[1]!);
  });
});

describe("auth overrides", async () => {
  test("websocket token: only websocket clients must authenticate", async () => {
    for (const p of await both("websocket { port: -1, no_tls: true, authorization { token: wstok, timeout: 2 } }\n")) {
      const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      await ws.waitFor("\r\n");
      expect(infoOf(ws.text).auth_required).toBe(true);
      const tcp = await RawClient.connect(p.server.port);
      await tcp.waitFor("\r\n");
      expect(infoOf(tcp.text).auth_required).toBeUndefined();
      expect(await tcp.transact(CONNECT)).toBe("PONG\r\n");
      expect(await ws.transact('CONNECT {"verbose":false,"auth_token":"wstok"}\r\n')).toBe("PONG\r\n");
      const bad = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      bad.send('CONNECT {"auth_token":"secret"}\r\n');
      await bad.waitClosed();
      expect(stripInfo(bad.text)).toBe("INFO\r\n-ERR 'Authorization Violation'\r\n");
      ws.close();
      tcp.close();
    }
  });

  test("websocket user/password replaces the main single user", async () => {
    for (const p of await both("authorization { user: tcp, password: tcppw }\nwebsocket { port: -1, no_tls: true, authorization { user: web, password: webpw } }\n")) {
      const good = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      await good.waitFor("\r\n");
      expect(await good.transact('CONNECT {"verbose":false,"user":"web","pass":"webpw"}\r\n')).toBe("PONG\r\n");
      const main = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      main.send('CONNECT {"user":"tcp","pass":"tcppw"}\r\n');
      await main.waitClosed();
      const tcp = await RawClient.connect(p.server.port);
      await tcp.waitFor("\r\n");
      expect(await tcp.transact('CONNECT {"verbose":false,"user":"tcp","pass":"tcppw"}\r\n')).toBe("PONG\r\n");
      good.close();
      tcp.close();
    }
  });

  test("websocket no_auth_user and connection types", async () => {
    const conf = `authorization { users: [
      {user: a, password: a, permissions: { publish: "a.>" }},
      {user: w, password: w, permissions: { publish: "w.>" }, allowed_connection_types: ["WEBSOCKET"]},
      {user: t, password: t, allowed_connection_types: ["STANDARD"]}
    ] }
    no_auth_user: a
    websocket { port: -1, no_tls: true, no_auth_user: w }
    `;
    const results: string[] = [];
    for (const p of await both(conf)) {
      const anon = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      await anon.waitFor("\r\n");
      anon.send('CONNECT {"verbose":true}\r\n');
      const r1 = await anon.transact("PUB w.x 0\r\n\r\nPUB a.x 0\r\n\r\n");
      const tUser = await WsClient.open(`ws://127.0.0.1:${p.ws}`);
      tUser.send('CONNECT {"user":"t","pass":"t"}\r\n');
      await tUser.waitClosed();
      const tcpW = await RawClient.connect(p.server.port);
      tcpW.write('CONNECT {"user":"w","pass":"w"}\r\nPING\r\n');
      await tcpW.waitClosed();
      results.push(`${r1}|${stripInfo(tUser.text)}|${stripInfo(tcpW.text)}`);
      anon.close();
    }
    expect(results[0]).toContain("+OK\r\n+OK\r\n-ERR 'Permissions Violation for Publish to \"a.x\"'");
    if (results.length === 2) expect(results[0]).toBe(results[1]!);
  });
});

describe("compression", async () => {
  test("a large message round-trips compressed and intact", async () => {
    for (const p of await both("websocket { port: -1, no_tls: true, compression: true }\n")) {
      const ws = await WsClient.open(`ws://127.0.0.1:${p.ws}`, { headers: { "Sec-WebSocket-Extensions": "permessage-deflate" } } as never);
      await ws.waitFor("\r\n");
      ws.send(CONNECT);
      const body = "0123456789abcdef".repeat(8192);
      const got = await ws.transact(`SUB big 1\r\nPUB big ${body.length}\r\n${body}\r\n`, 5000);
      expect(got).toBe(`MSG big 1 ${body.length}\r\n${body}\r\nPONG\r\n`);
      ws.close();
    }
  });
});
