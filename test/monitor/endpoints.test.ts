// The monitoring listener and the endpoints of a server without JetStream,
// routes, gateways or leaf nodes, against nats-server 2.9.10: listen
// options (http, http_port, -m, https with the tls block, http_base_path),
// 404s, 400s with Go's texts, JSONP, fatal start-up errors and exit codes,
// the ports file, http_req_stats, and the refused reload of the port.

import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makePKI, type TestPKI } from "../helpers/certs.ts";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { monitorBase, omit, shape } from "../helpers/monitor.ts";
import { haveReference, NATS_BUN, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function start(args: string[], bin = NATS_BUN): Promise<{ s: RunningServer; base: string }> {
  const s = await startServer(args, { bin });
  running.push(s);
  return { s, base: await monitorBase(s) };
}

/** Our server and the reference (when installed), started alike. */
async function pair(args: string[]): Promise<{ s: RunningServer; base: string }[]> {
  const out = [await start(args)];
  if (haveReference) out.push(await start(args, NATS_SERVER));
  return out;
}

interface Answer {
  status: number;
  type: string | null;
  body: string;
}

async function get(url: string, init?: RequestInit): Promise<Answer> {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

/** A port nobody listens on right now. */
function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** The server's fatal line without the log prefix, and its exit code. */
async function fatal(bin: string, args: string[]): Promise<{ line: string; code: number }> {
  const r = await runBinary(["-a", "127.0.0.1", "-p", "-1", ...args], { bin });
  const line = `${r.stdout}${r.stderr}`.split("\n").find((l) => l.includes("[FTL]")) ?? "";
  return { line: line.replace(/^.*\[FTL\] /, ""), code: r.code };
}

let pki: TestPKI | null = null;
function tlsBlock(): string {
  pki ??= makePKI();
  return `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" }`;
}

describe("endpoints without JetStream, routes, gateways or leaf nodes", () => {
  const PATHS = [
    "/healthz",
    "/healthz?js-enabled-only=true",
    "/healthz?js-server-only=1&js-enabled=true",
    "/jsz",
    "/jsz?accounts=1&streams=1&consumers=1&config=1&offset=2&limit=3&acc=A",
    "/routez",
    "/routez?subs=1",
    "/routez?subs=detail",
    "/gatewayz",
    "/gatewayz?accs=1&gw_name=X&acc_name=B",
    "/leafz",
    "/leafz?subs=true&acc=A",
  ];

  test("same keys, order, types and values as 2.9.10", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    for (const p of PATHS) {
      const a = await get(ours!.base + p);
      expect(a.status).toBe(200);
      expect(a.type).toBe("application/json");
      const mine = JSON.parse(a.body) as Record<string, unknown>;
      if (p.startsWith("/healthz")) expect(a.body).toBe('{"status":"ok"}');
      else expect(mine.server_id).toBe(ours!.s.log().match(/ID:\s+(\w+)/)![1]);
      if (ref === undefined) continue;
      const b = await get(ref.base + p);
      expect([p, b.status, b.type]).toEqual([p, a.status, a.type]);
      const theirs = JSON.parse(b.body) as Record<string, unknown>;
      expect([p, shape(mine)]).toEqual([p, shape(theirs)]);
      expect([p, omit(mine, ["server_id", "now"])]).toEqual([p, omit(theirs, ["server_id", "now"])]);
    }
  });

  test("bad query values: 400 with 2.9.10's text", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    const bad = [
      "/healthz?js-enabled=maybe",
      "/healthz?js-enabled-only=2",
      "/healthz?js-server-only=yes",
      "/jsz?accounts=x",
      "/jsz?streams=x",
      "/jsz?consumers=x",
      "/jsz?config=x",
      "/jsz?offset=x",
      "/jsz?limit=99999999999999999999",
      "/jsz?leader-only=x",
      "/jsz?accounts=x&limit=y",
      "/jsz?leader-only=true",
      "/routez?subs=x",
      "/gatewayz?accs=nope",
      "/leafz?subs=q",
    ];
    for (const p of bad) {
      const a = await get(ours!.base + p);
      expect([p, a.status, a.type]).toEqual([p, 400, "text/plain; charset=utf-8"]);
      if (ref !== undefined) expect([p, a.body]).toEqual([p, (await get(ref.base + p)).body]);
    }
    expect((await get(`${ours!.base}/jsz?limit=x`)).body).toBe(`Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`);
  });

  test("query pairs Go's ParseQuery drops take their default; bad values quoted as Go's %q", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    const dropped = ["/connz?limit=%zz", "/connz?auth=%", "/connz?limit=2;x=1", "/connz?offset=%4&limit=3"];
    for (const p of dropped) {
      const a = await get(ours!.base + p);
      expect([p, a.status]).toEqual([p, 200]);
      if (ref !== undefined) expect([p, (await get(ref.base + p)).status]).toEqual([p, 200]);
    }
    const quoted = ["/connz?offset=%C3%A9", "/connz?offset=%01%09", "/connz?offset=a+b%22%5C", "/connz?offset=%F0%9F%98%80%7F"];
    for (const p of quoted) {
      const a = await get(ours!.base + p);
      expect([p, a.status]).toEqual([p, 400]);
      if (ref !== undefined) expect([p, a.body]).toEqual([p, (await get(ref.base + p)).body]);
    }
    expect((await get(`${ours!.base}/connz?offset=%C3%A9%01`)).body).toBe(`Error decoding int for 'offset': strconv.Atoi: parsing "é\\x01": invalid syntax`);
  });

  test("unknown paths and a trailing slash: 404 page not found", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    for (const p of ["/varz/", "/nope", "/healthz/x", "/VARZ", "/varz.json"]) {
      const a = await get(ours!.base + p);
      expect([p, a.status, a.type, a.body]).toEqual([p, 404, "text/plain; charset=utf-8", "404 page not found\n"]);
      if (ref !== undefined) expect((await get(ref.base + p)).status).toBe(404);
    }
  });

  test("JSONP: callback(json) as application/javascript", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    for (const p of ["/healthz?callback=cb", "/varz?callback=f", "/leafz?callback=x"]) {
      const a = await get(ours!.base + p);
      expect(a.type).toBe("application/javascript");
      expect(a.body).toMatch(/^\w+\(\{[\s\S]*\}\)$/);
      if (ref !== undefined) {
        const b = await get(ref.base + p);
        expect(b.type).toBe(a.type);
        if (p.startsWith("/healthz")) expect(a.body).toBe(b.body);
      }
    }
  });

  test("http_req_stats counts where 2.9.10 counts (bad queries too, but not a bad routez)", async () => {
    const [ours, ref] = await pair(["-m", "-1"]);
    const seq = ["/", "/", "/healthz", "/healthz?js-enabled=x", "/jsz?limit=x", "/jsz", "/routez?subs=x", "/routez", "/gatewayz?accs=x", "/leafz?subs=x", "/leafz", "/nope", "/varz/"];
    const stats = async (base: string): Promise<unknown> => {
      for (const p of seq) await get(base + p);
      return ((await (await fetch(`${base}/varz`)).json()) as { http_req_stats: unknown }).http_req_stats;
    };
    const mine = await stats(ours!.base);
    expect(mine).toEqual({ "/": 2, "/gatewayz": 1, "/healthz": 2, "/jsz": 2, "/leafz": 2, "/routez": 1, "/varz": 1 });
    if (ref !== undefined) expect(mine).toEqual(await stats(ref.base));
  });
});

describe("the monitoring listener", () => {
  test("`http: host:port`, `http_port` and `-m` as 2.9.10 reports them", async () => {
    const cases: ((port: number) => string[])[] = [
      (port) => ["-c", writeConf(`http: "127.0.0.1:${port}"\n`)],
      (port) => ["-c", writeConf(`http_port: ${port}\n`)],
      (port) => ["-m", String(port)],
      () => ["-m", "-1"],
    ];
    for (const args of cases) {
      const bins = haveReference ? [NATS_BUN, NATS_SERVER] : [NATS_BUN];
      const seen: unknown[] = [];
      for (const bin of bins) {
        const port = freePort();
        const { s, base } = await start(args(port), bin);
        const v = (await (await fetch(`${base}/varz`)).json()) as Record<string, unknown>;
        const logged = Number(new URL(base).port);
        if (!args(port).includes("-1")) expect(logged).toBe(port);
        seen.push([v.http_host, v.http_port === logged ? "listened" : v.http_port, v.https_port]);
        await s.stop();
      }
      if (seen.length === 2) expect(seen[0]).toEqual(seen[1]);
    }
  });

  test("https with the server's tls block: https_port and -ms", async () => {
    const conf = writeConf(`https_port: -1\n${tlsBlock()}\n`);
    for (const args of [["-c", conf], ["-c", writeConf(`${tlsBlock()}\n`), "-ms", "-1"]]) {
      const bins = haveReference ? [NATS_BUN, NATS_SERVER] : [NATS_BUN];
      const seen: unknown[] = [];
      for (const bin of bins) {
        const { s, base } = await start(args, bin);
        expect(base).toStartWith("https://");
        const r = await fetch(`${base}/varz`, { tls: { ca: readFileSync(pki!.ca, "utf8") } } as RequestInit);
        const v = (await r.json()) as Record<string, unknown>;
        seen.push([r.status, v.http_port, v.https_port, v.tls_required]);
        await s.stop();
      }
      expect(seen[0]).toEqual([200, 0, -1, true]);
      if (seen.length === 2) expect(seen[0]).toEqual(seen[1]);
    }
  });

  test("http_base_path: endpoints under it, the index only at it", async () => {
    const [ours, ref] = await pair(["-c", writeConf("http_port: -1\nhttp_base_path: /mon/\n")]);
    const paths = ["/mon", "/mon/", "/mon/varz", "/mon/healthz", "/mon/jsz?limit=x", "/varz", "/", "/mon/varz/", "/mon/nope"];
    const statuses = async (base: string): Promise<number[]> => Promise.all(paths.map(async (p) => (await get(base + p)).status));
    const mine = await statuses(ours!.base);
    expect(mine).toEqual([200, 404, 200, 200, 400, 404, 404, 404, 404]);
    if (ref !== undefined) expect(mine).toEqual(await statuses(ref.base));
    const root = await get(`${ours!.base}/mon`);
    expect(root.type).toBe("text/html; charset=utf-8");
    expect(root.body).toContain('href="./mon/varz"');
    const v = (await (await fetch(`${ours!.base}/mon/varz`)).json()) as Record<string, unknown>;
    expect(v.http_base_path).toBe("/mon/");
  });

  test("both http and https ports: 2.9.10's fatal error and exit code", async () => {
    const args = ["-c", writeConf(`http_port: ${freePort()}\nhttps_port: ${freePort()}\n${tlsBlock()}\n`)];
    const mine = await fatal(NATS_BUN, args);
    expect(mine.line).toMatch(/^Can't start monitoring: can't specify both HTTP \(\d+\) and HTTPs \(\d+\) ports$/);
    if (haveReference) expect(mine).toEqual(await fatal(NATS_SERVER, args));
  });

  test("https without a tls block: 2.9.10's fatal error", async () => {
    const mine = await fatal(NATS_BUN, ["-ms", "-1"]);
    expect(mine.line).toBe("Can't start monitoring: TLS cert and key required for HTTPS");
    if (haveReference) expect(mine).toEqual(await fatal(NATS_SERVER, ["-ms", "-1"]));
  });

  test("port in use: 2.9.10's fatal error and exit code", async () => {
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const args = ["-m", String(busy.port)];
      const mine = await fatal(NATS_BUN, args);
      expect(mine.line).toBe(`Can't start monitoring: can't listen to the monitor port: listen tcp 127.0.0.1:${busy.port}: bind: address already in use`);
      expect(mine.code).not.toBe(0);
      if (haveReference) expect(mine).toEqual(await fatal(NATS_SERVER, args));
    } finally {
      busy.stop(true);
    }
  });

  test("`-m -1` in the ports file as 2.9.10 lists it", async () => {
    const read = async (bin: string): Promise<Record<string, string[]>> => {
      const dir = tempDir("nats-bun-ports-");
      const { s, base } = await start(["-m", "-1", "--ports_file_dir", dir], bin);
      await s.waitLog("Server is ready");
      const file = readdirSync(dir).find((f) => f.endsWith(".ports"))!;
      const ports = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, string[]>;
      expect(ports.monitoring).toEqual([base.replace("127.0.0.1", "127.0.0.1")]);
      expect(file).toBe(`${bin.split("/").pop()}_${s.proc.pid}.ports`);
      await s.stop();
      return { nats: ports.nats!.map((u) => u.replace(/:\d+$/, ":P")), monitoring: ports.monitoring!.map((u) => u.replace(/:\d+$/, ":P")) };
    };
    const mine = await read(NATS_BUN);
    if (haveReference) expect(mine).toEqual(await read(NATS_SERVER));
  });

  test("reload: a changed http_port is refused as 2.9.10 refuses it", async () => {
    const refusal = async (bin: string): Promise<string> => {
      const dir = tempDir("nats-bun-reload-");
      const port = freePort();
      const conf = writeConf(`http_port: ${port}\n`, "server.conf", dir);
      const { s, base } = await start(["-c", conf], bin);
      writeFileSync(conf, `http_port: ${port + 1}\n`);
      s.proc.kill("SIGHUP");
      await s.waitLog("config reload not supported");
      expect((await get(`${base}/healthz`)).status).toBe(200);
      await s.stop();
      const line = s.log().split("\n").find((l) => l.includes("config reload not supported"))!;
      return line.replace(/^.*\[ERR\] /, "").replaceAll(String(port + 1), "NEW").replaceAll(String(port), "OLD");
    };
    const mine = await refusal(NATS_BUN);
    expect(mine).toContain("config reload not supported for HTTPPort: old=OLD, new=NEW");
    if (haveReference) expect(mine).toBe(await refusal(NATS_SERVER));
  });
});
