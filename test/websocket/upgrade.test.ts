// The WebSocket port's HTTP side against nats-server 2.9.10: refused
// upgrades (status, body, headers), origin checks, the 101 reply and the
// first frame, config errors.

import { afterAll, describe, expect, test } from "bun:test";
import { haveReference, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { rawHttp, upgradeRequest, wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];

/** The raw client decodes as windows-1252, where 0x82 is U+201A. */
function firstByte(body: string): number {
  const c = body.charCodeAt(0);
  return c === 0x201a ? 0x82 : c;
}
afterAll(async () => {
  for (const s of running) await s.stop();
});

/** Starts ours and (when present) the reference with the same config; returns their websocket ports. */
async function both(conf: string): Promise<Array<{ name: string; port: number }>> {
  const path = writeConf(conf);
  const out: Array<{ name: string; port: number }> = [];
  for (const [name, bin] of [["ours", undefined], ["ref", NATS_SERVER]] as const) {
    if (name === "ref" && !haveReference) continue;
    const s = await startServer(["-c", path], { bin });
    running.push(s);
    out.push({ name, port: await wsPort(s) });
  }
  return out;
}

describe("upgrade refusals", async () => {
  const servers = await both("websocket { port: -1, no_tls: true }\n");
  const cases: Array<[string, string]> = [
    ["POST", upgradeRequest({}, "POST")],
    ["no Upgrade", upgradeRequest({ Upgrade: null })],
    ["bad Upgrade", upgradeRequest({ Upgrade: "h2c" })],
    ["no Connection upgrade", upgradeRequest({ Connection: "keep-alive" })],
    ["no key", upgradeRequest({ "Sec-WebSocket-Key": null })],
    ["no version", upgradeRequest({ "Sec-WebSocket-Version": null })],
    ["wrong version", upgradeRequest({ "Sec-WebSocket-Version": "8" })],
    ["plain GET", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
  ];
  for (const [label, req] of cases) {
    test(label, async () => {
      const replies = await Promise.all(servers.map((s) => rawHttp(s.port, req)));
      for (const r of replies) {
        expect(r.headers["sec-websocket-version"]).toBe("13");
        expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
      }
      if (replies.length === 2) {
        expect(replies[0]!.status).toBe(replies[1]!.status);
        expect(replies[0]!.body).toBe(replies[1]!.body);
      }
    });
  }
});

describe("upgrade accepted", async () => {
  const servers = await both("websocket { port: -1, no_tls: true, compression: true }\n");
  test("101 with the accept key, compression agreed, INFO as the first binary frame", async () => {
    for (const s of servers) {
      const r = await rawHttp(s.port, upgradeRequest({ "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" }));
      expect(r.status).toBe(101);
      expect(r.headers["upgrade"]!.toLowerCase()).toBe("websocket");
      expect(r.headers["connection"]!.toLowerCase()).toBe("upgrade");
      expect(r.headers["sec-websocket-accept"]).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      const ext = (r.headers["sec-websocket-extensions"] ?? "").split(";").map((p) => p.trim()).sort();
      expect(ext).toEqual(["client_no_context_takeover", "permessage-deflate", "server_no_context_takeover"]);
      // Opcode 2 (binary), FIN; the INFO may be compressed (RSV1) when large.
      expect(firstByte(r.body) & 0x8f).toBe(0x82);
    }
  });
  test("no compression without the client's offer", async () => {
    for (const s of servers) {
      const r = await rawHttp(s.port, upgradeRequest());
      expect(r.status).toBe(101);
      expect(r.headers["sec-websocket-extensions"]).toBeUndefined();
      expect(firstByte(r.body)).toBe(0x82);
      expect(r.body).toContain("INFO {");
    }
  });
});

describe("origin checks", async () => {
  const same = await both("websocket { port: -1, no_tls: true, same_origin: true }\n");
  const listed = await both('websocket { port: -1, no_tls: true, allowed_origins: ["http://good.example:8080", "https://secure.example"] }\n');
  const status = async (servers: Array<{ port: number }>, over: Record<string, string | null>): Promise<number[]> =>
    Promise.all(servers.map(async (s) => (await rawHttp(s.port, upgradeRequest(over))).status));
  test("same_origin", async () => {
    expect(new Set(await status(same, { Origin: "http://127.0.0.1" }))).toEqual(new Set([101]));
    expect(new Set(await status(same, { Origin: "http://127.0.0.1:80" }))).toEqual(new Set([101]));
    expect(new Set(await status(same, { Origin: "http://other.example" }))).toEqual(new Set([403]));
    expect(new Set(await status(same, { Origin: "https://127.0.0.1" }))).toEqual(new Set([403]));
    expect(new Set(await status(same, {}))).toEqual(new Set([101]));
  });
  test("allowed_origins", async () => {
    expect(new Set(await status(listed, { Origin: "http://good.example:8080" }))).toEqual(new Set([101]));
    expect(new Set(await status(listed, { Origin: "http://good.example" }))).toEqual(new Set([403]));
    expect(new Set(await status(listed, { Origin: "https://good.example:8080" }))).toEqual(new Set([403]));
    expect(new Set(await status(listed, { Origin: "https://secure.example:443" }))).toEqual(new Set([101]));
    expect(new Set(await status(listed, { Origin: "http://bad.example" }))).toEqual(new Set([403]));
  });
  test("a refused origin is logged with the reason", async () => {
    const r = await rawHttp(listed[0]!.port, upgradeRequest({ Origin: "http://bad.example" }));
    expect(r.body).toBe("Forbidden\n");
  });
});

describe("config", () => {
  const cases: Array<[string, string]> = [
    ["no tls", "websocket { port: 8080 }\n"],
    ["unknown field", "websocket { port: 8080, no_tls: true, bogus: 1 }\n"],
    ["username with users", "authorization { users: [{user: a, password: b}] }\nwebsocket { port: 8080, no_tls: true, authorization { user: x, password: y } }\n"],
    ["token with users", "authorization { users: [{user: a, password: b}] }\nwebsocket { port: 8080, no_tls: true, authorization { token: t } }\n"],
    ["no_auth_user unknown", "authorization { users: [{user: a, password: b}] }\nwebsocket { port: 8080, no_tls: true, no_auth_user: zed }\n"],
    ["no_auth_user without users", "websocket { port: 8080, no_tls: true, no_auth_user: zed }\n"],
    ["jwt_cookie without operator", "websocket { port: 8080, no_tls: true, jwt_cookie: tok }\n"],
  ];
  for (const [label, conf] of cases) {
    test(label, async () => {
      const path = writeConf(conf);
      const ours = await runBinary(["-c", path]);
      expect(ours.code).toBe(1);
      if (!haveReference) return;
      const ref = await runBinary(["-c", path], { bin: NATS_SERVER });
      expect(ours.stderr.replace(/^nats-bun:/, "nats-server:").trim()).toBe(ref.stderr.trim());
    });
  }
});
