// Official clients over WebSocket: @nats-io/nats-core's wsconnect doing
// pub/sub, request/reply and headers with a TCP client of
// @nats-io/transport-node on the same subjects, on ours and on 2.9.10.

import { afterAll, describe, expect, test } from "bun:test";
import { headers, wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of running) await s.stop();
});

const targets: Array<[string, string | undefined]> = [["ours", undefined]];
if (haveReference) targets.push(["2.9.10", NATS_SERVER]);

for (const [name, bin] of targets) {
  describe(`wsconnect on ${name}`, async () => {
    const conf = writeConf("websocket { port: -1, no_tls: true, compression: true }\n");
    const server = await startServer(["-c", conf], { bin });
    running.push(server);
    const port = await wsPort(server);
    const ws = await wsconnect({ servers: `ws://127.0.0.1:${port}` });
    const tcp = await connect({ servers: `127.0.0.1:${server.port}` });
    conns.push(ws, tcp);

    test("publish over websocket, receive over TCP and back", async () => {
      const fromWs = tcp.subscribe("ws.>", { max: 1 });
      const fromTcp = ws.subscribe("tcp.>", { max: 1 });
      await tcp.flush();
      await ws.flush();
      ws.publish("ws.hello", "from browser side");
      tcp.publish("tcp.hello", "from tcp side");
      for await (const m of fromWs) expect(m.string()).toBe("from browser side");
      for await (const m of fromTcp) expect(m.string()).toBe("from tcp side");
    });

    test("request over websocket to a TCP responder, with headers", async () => {
      const sub = tcp.subscribe("svc.echo");
      void (async () => {
        for await (const m of sub) {
          const h = headers();
          h.set("X-Seen", m.headers?.get("X-Req") ?? "none");
          m.respond(`echo:${m.string()}`, { headers: h });
        }
      })();
      await tcp.flush();
      const h = headers();
      h.set("X-Req", "42");
      const r = await ws.request("svc.echo", "ping", { timeout: 2000, headers: h });
      expect(r.string()).toBe("echo:ping");
      expect(r.headers?.get("X-Seen")).toBe("42");
      sub.unsubscribe();
    });

    test("a large payload survives compression both ways", async () => {
      const body = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 251);
      const sub = ws.subscribe("big", { max: 1 });
      await ws.flush();
      tcp.publish("big", body);
      for await (const m of sub) expect(Buffer.from(m.data).equals(Buffer.from(body))).toBe(true);
    });

    test("no responders reaches the websocket client", async () => {
      await expect(ws.request("nobody.home", "x", { timeout: 1000 })).rejects.toThrow();
    });
  });
}
