// A WebSocket subscriber that stops reading: what the server cannot write
// stays in the connection's own buffer, where /connz's pending_bytes (and
// max_pending) see it, as with nats-server 2.9.10, rather than piling up
// unseen in the WebSocket layer.

import { afterAll, describe, expect, test } from "bun:test";
import { writeConf } from "../helpers/conf.ts";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { upgradeRequest, wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const targets: Array<[string, string | undefined]> = [["ours", undefined]];
if (haveReference) targets.push(["2.9.10", NATS_SERVER]);

/** A client frame: binary, final, masked with a fixed key. */
function maskedFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const key = [1, 2, 3, 4];
  const head = [0x82, 0x80 | payload.length];
  const out = new Uint8Array(head.length + 4 + payload.length);
  out.set(head);
  out.set(key, head.length);
  for (let i = 0; i < payload.length; i++) out[head.length + 4 + i] = payload[i]! ^ key[i % 4]!;
  return out;
}

const TOTAL = 32 * 1024 * 1024;

for (const [name, bin] of targets) {
  describe(name, () => {
    for (const ua of ["Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "nats.go"]) {
      test(`a stuck subscriber's backlog shows in pending_bytes (User-Agent ${ua})`, async () => {
        const conf = writeConf('websocket { port: -1, no_tls: true }\nhttp_port: -1\nwrite_deadline: "60s"\n');
        const s = await startServer(["-c", conf], { bin });
        running.push(s);
        const port = await wsPort(s);
        await s.waitLog(/Starting http monitor on [^\s]+:(\d+)/);
        const mport = Number(/Starting http monitor on [^\s]+:(\d+)/.exec(s.log())![1]);
        const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
        sock.write(upgradeRequest({ "User-Agent": ua }));
        await Bun.sleep(100);
        sock.write(maskedFrame('CONNECT {"verbose":false}\r\nSUB big 1\r\nPING\r\n'));
        await Bun.sleep(100);
        sock.pause();
        const pub = await RawClient.connect(s.port);
        pub.write('CONNECT {"verbose":false}\r\n');
        const chunk = "x".repeat(64 * 1024);
        for (let sent = 0; sent < TOTAL; sent += chunk.length) pub.write(`PUB big ${chunk.length}\r\n${chunk}\r\n`);
        // The kernel's socket buffers take some; the server's own backlog must
        // then grow (to where publishers are slowed down, a few MB, on ours).
        let pending = 0;
        for (let i = 0; i < 100 && pending <= 1024 * 1024; i++) {
          await Bun.sleep(100);
          const connz = (await (await fetch(`http://127.0.0.1:${mport}/connz`)).json()) as { connections: { type?: string; pending_bytes: number }[] };
          pending = connz.connections.find((c) => c.type === "websocket")!.pending_bytes;
        }
        expect(pending).toBeGreaterThan(1024 * 1024);
        pub.close();
        sock.end();
      });
    }
  });
}
