// WebSocket over TLS (wss) with the websocket block's tls, client
// certificates when `verify` is set, handshake_timeout, and a WebSocket
// subscriber that stops reading being cut off as a slow consumer.

import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { makePKI } from "../helpers/certs.ts";
import { RawClient } from "../helpers/raw.ts";
import { upgradeRequest, WsClient, wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const targets: Array<[string, string | undefined]> = [["ours", undefined]];
if (haveReference) targets.push(["2.9.10", NATS_SERVER]);
const pki = makePKI();

for (const [name, bin] of targets) {
  describe(name, () => {
    test("wss with the websocket block's certificate; plain ws is refused", async () => {
      const conf = writeConf(`websocket { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" } }\n`);
      const s = await startServer(["-c", conf], { bin });
      running.push(s);
      await s.waitLog("wss://");
      const port = await wsPort(s);
      const c = await WsClient.open(`wss://127.0.0.1:${port}`, { tls: { ca: readFileSync(pki.ca, "utf8") } } as never);
      await c.waitFor("\r\n");
      c.send('CONNECT {"verbose":false}\r\n');
      expect(await c.transact("SUB a 1\r\nPUB a 2\r\nok\r\n")).toBe("MSG a 1 2\r\nok\r\nPONG\r\n");
      c.close();
      await expect(WsClient.open(`ws://127.0.0.1:${port}`)).rejects.toThrow();
    });

    test("verify: a client without a certificate is refused, one with it is in", async () => {
      const conf = writeConf(
        `websocket { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", verify: true } }\n`,
      );
      const s = await startServer(["-c", conf], { bin });
      running.push(s);
      const port = await wsPort(s);
      const ca = readFileSync(pki.ca, "utf8");
      await expect(WsClient.open(`wss://127.0.0.1:${port}`, { tls: { ca } } as never)).rejects.toThrow();
      const ok = await WsClient.open(`wss://127.0.0.1:${port}`, {
        tls: { ca, cert: readFileSync(pki.clientCert, "utf8"), key: readFileSync(pki.clientKey, "utf8") },
      } as never);
      await ok.waitFor("INFO");
      ok.close();
    });

    test("handshake_timeout closes a connection that never sends its upgrade", { timeout: 20_000 }, async () => {
      const conf = writeConf("websocket { port: -1, no_tls: true, handshake_timeout: 1 }\n");
      const s = await startServer(["-c", conf], { bin });
      running.push(s);
      const rc = await RawClient.connect(await wsPort(s));
      rc.write("GET / HTTP/1.1\r\nHost: x\r\n");
      // Ours rides on Bun's idle timeout, whose timer is coarse (about 12 s for 1 s); 2.9.10 closes at 1 s.
      await rc.waitClosed(15_000);
    });

    test("a websocket subscriber that stops reading is cut off as a slow consumer", async () => {
      const conf = writeConf("websocket { port: -1, no_tls: true }\nmax_pending: 1MB\nwrite_deadline: \"30s\"\n");
      const s = await startServer(["-c", conf], { bin });
      running.push(s);
      const port = await wsPort(s);
      // A raw socket that upgrades, subscribes with a masked frame, then stops reading.
      let paused = false;
      let closed = false;
      const sock = await Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(sk) {
            if (paused) sk.pause();
          },
          close() {
            closed = true;
          },
        },
      });
      sock.write(upgradeRequest());
      await Bun.sleep(100);
      sock.write(maskedFrame('CONNECT {"verbose":false}\r\nSUB big 1\r\n'));
      await Bun.sleep(100);
      paused = true;
      sock.pause();
      const pub = await RawClient.connect(s.port);
      pub.write('CONNECT {"verbose":false}\r\n');
      const chunk = "x".repeat(64 * 1024);
      for (let i = 0; i < 400 && !closed; i++) {
        pub.write(`PUB big ${chunk.length}\r\n${chunk}\r\n`);
        if (i % 20 === 19) await Bun.sleep(10);
      }
      await s.waitLog(/Slow Consumer Detected/, 10_000);
      pub.close();
      sock.end();
    });
  });
}

/** A client frame: binary, final, masked with a fixed key. */
function maskedFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const key = [1, 2, 3, 4];
  const head = payload.length < 126 ? [0x82, 0x80 | payload.length] : [0x82, 0x80 | 126, payload.length >> 8, payload.length & 255];
  const out = new Uint8Array(head.length + 4 + payload.length);
  out.set(head);
  out.set(key, head.length);
  for (let i = 0; i < payload.length; i++) out[head.length + 4 + i] = payload[i]! ^ key[i % 4]!;
  return out;
}
