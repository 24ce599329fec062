// What monitoring shows of the WebSocket port, against nats-server 2.9.10:
// varz's websocket section, the ports file's websocket URLs, and WebSocket
// clients in /connz.

import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { monitorBase } from "../helpers/monitor.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { upgradeRequest, WsClient, wsPort } from "../helpers/ws.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const targets: Array<[string, string | undefined]> = [["ours", undefined]];
if (haveReference) targets.push(["ref", NATS_SERVER]);

describe("websocket in monitoring", () => {
  test("varz websocket section, ports file, connz", async () => {
    const seen: Array<{ varz: unknown; ports: string[]; conn: unknown }> = [];
    for (const [, bin] of targets) {
      const dir = tempDir("nats-bun-wsmon-");
      const conf = writeConf(
        `http_port: -1\nports_file_dir: "${dir}"\nwebsocket { listen: "127.0.0.1:-1", no_tls: true, compression: true, same_origin: true, allowed_origins: ["http://a.example"], handshake_timeout: "3s", jwt_cookie: "" }\n`,
      );
      const s = await startServer(["-c", conf], { bin });
      running.push(s);
      const port = await wsPort(s);
      const base = await monitorBase(s);
      const ws = await WsClient.open(`ws://127.0.0.1:${port}`);
      await ws.waitFor("\r\n");
      ws.send('CONNECT {"verbose":false,"name":"web","lang":"nats.ws"}\r\n');
      await ws.transact("SUB a 1\r\n");
      const varz = (await (await fetch(`${base}/varz`)).json()) as { websocket: Record<string, unknown> };
      const connz = (await (await fetch(`${base}/connz?subs=1`)).json()) as { connections: Array<Record<string, unknown>> };
      const portsFile = readdirSync(dir).find((f) => f.endsWith(".ports"))!;
      const ports = (JSON.parse(readFileSync(join(dir, portsFile), "utf8")) as { websocket: string[] }).websocket;
      const c = connz.connections.find((x) => x.name === "web")!;
      seen.push({
        varz: { ...varz.websocket, port: varz.websocket.port === port },
        ports: ports.map((u) => u.replace(String(port), "PORT")),
        conn: { subs: c.subscriptions_list, lang: c.lang, ip: c.ip },
      });
      ws.close();
    }
    expect(seen[0]!.varz).toEqual({ host: "127.0.0.1", port: true, handshake_timeout: 3e9, no_tls: true, same_origin: true, allowed_origins: ["http://a.example"], compression: true });
    expect(seen[0]!.ports).toEqual(["ws://127.0.0.1:PORT"]);
    if (seen.length === 2) expect(seen[0]).toEqual(seen[1]!);
  });
});

describe("X-Forwarded-For", () => {
  test("shown in log lines (when net.ParseIP takes it), never as the connection's ip", async () => {
    const headers = ["::ffff:10.1.2.3", "10.1.2.3", "01.2.3.4", ":::::", "fe80::1%eth0", "10.1.2.3, 10.4.5.6"];
    const seen: string[][] = [];
    for (const [, bin] of targets) {
      const s = await startServer(["-c", writeConf('http_port: -1\nwebsocket { listen: "127.0.0.1:-1", no_tls: true }\n'), "-D"], { bin });
      running.push(s);
      const port = await wsPort(s);
      const base = await monitorBase(s);
      const ips: string[] = [];
      for (const xff of headers) {
        const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
        sock.write(upgradeRequest({ "X-Forwarded-For": xff }));
        let ip: string | undefined;
        for (let i = 0; i < 50 && ip === undefined; i++) {
          await Bun.sleep(20);
          const connz = (await (await fetch(`${base}/connz`)).json()) as { connections: Array<{ ip: string }> };
          ip = connz.connections[0]?.ip;
        }
        ips.push(ip ?? "none");
        sock.end();
        for (let i = 0; i < 50; i++) {
          await Bun.sleep(20);
          if (((await (await fetch(`${base}/connz`)).json()) as { num_connections: number }).num_connections === 0) break;
        }
      }
      const labels = s.log().match(/^.*Client connection created$/gm)!.map((l) => /\] (\S+) - wid:/.exec(l)![1]!.replace(/:\d+$/, ":PORT"));
      seen.push([...ips, ...labels]);
    }
    const peer = "127.0.0.1";
    const logged = ["[::ffff:10.1.2.3]/127.0.0.1:PORT", "10.1.2.3/127.0.0.1:PORT", ...Array(4).fill("127.0.0.1:PORT")];
    expect(seen[0]).toEqual([...Array(6).fill(peer), ...logged]);
    if (seen.length === 2) expect(seen[0]).toEqual(seen[1]!);
  });
});
