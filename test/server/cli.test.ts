// The executable as an operator uses it: flags, config files, signals,
// reload, lame duck, pid and ports files, log format.

import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, NATS_BUN, NATS_SERVER, runBinary, startServer, type RunningServer } from "../helpers/servers.ts";
import { makePKI } from "../helpers/certs.ts";

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function start(args: string[], opts: Parameters<typeof startServer>[1] = {}): Promise<RunningServer> {
  const s = await startServer(args, opts);
  running.push(s);
  return s;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "nats-bun-cli-"));
}

async function info(port: number): Promise<Record<string, unknown>> {
  const c = await RawClient.connect(port);
  const t = await c.waitFor(/\r\n/);
  c.close();
  return JSON.parse(/^INFO (\{.*\}) \r\n/.exec(t)![1]!);
}

async function exited(s: RunningServer, ms = 10000): Promise<number> {
  const code = await Promise.race([s.proc.exited, Bun.sleep(ms).then(() => -999)]);
  return code;
}

describe("command line", () => {
  test("-v prints the version and exits 0", async () => {
    const r = await runBinary(["-v"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nats-bun: v2\.\d+\.\d+\n$/);
  });

  test("-h prints usage", async () => {
    const r = await runBinary(["-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--config");
  });

  test("an unknown positional command is an error", async () => {
    const r = await runBinary(["frobnicate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unrecognized command: "frobnicate"');
  });

  test("-t checks a config file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "ok.conf"), "port: 4333\nmax_payload: 2MB\n");
    writeFileSync(join(dir, "bad.conf"), "port: 4333\nbogus_option: 1\n");
    const ok = await runBinary(["-t", "-c", join(dir, "ok.conf")]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`configuration file ${join(dir, "ok.conf")} is valid`);
    const bad = await runBinary(["-t", "-c", join(dir, "bad.conf")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(dir, "bad.conf")}:2:1: unknown field "bogus_option"`);
    const none = await runBinary(["-t"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("must specify [-c, --config] option to check configuration file syntax");
  });

  test("a broken config file stops the start with file:line:col", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.conf"), "port: 4333\nping_interval: \"forever\"\n");
    const r = await runBinary(["-c", join(dir, "s.conf")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "s.conf")}:2:`);
  });

  test("config file options reach clients; flags override the file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.conf"), 'server_name: from_file\nmax_payload: 100KB\nport: 4999\n');
    const s = await start(["-c", join(dir, "s.conf"), "-n", "from_flag"]);
    const i = await info(s.port);
    expect(i.server_name).toBe("from_flag");
    expect(i.max_payload).toBe(100 * 1024);
    expect(s.port).not.toBe(4999); // -p -1 beat the file's port
  });

  test("include, $VARS from blocks and the environment, units", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "limits.conf"), "max_payload: $PAYLOAD\n");
    writeFileSync(join(dir, "s.conf"), 'NAME: "edge-7"\nserver_name: $NAME\ninclude ./limits.conf\n');
    const s = await start(["-c", join(dir, "s.conf")], { env: { PAYLOAD: "64KB" } });
    const i = await info(s.port);
    expect(i.server_name).toBe("edge-7");
    expect(i.max_payload).toBe(65536);
  });

  test("a .toml config file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.toml"), 'server_name = "tomled"\nmax_payload = 4096\n');
    const s = await start(["-c", join(dir, "s.toml")]);
    const i = await info(s.port);
    expect(i.server_name).toBe("tomled");
    expect(i.max_payload).toBe(4096);
  });

  test("blocks of features still to come are parsed, and the log says they are not served", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.conf"), "gateway { name: G, port: 7522 }\nmqtt { port: 7822 }\n");
    const s = await start(["-c", join(dir, "s.conf")]);
    expect(s.log()).toContain("[WRN] gateway is configured but not served");
    expect(s.log()).toContain("[WRN] mqtt is configured but not served");
  });

  test("log lines have the reference form", async () => {
    const s = await start([]);
    expect(s.log()).toMatch(/^\[\d+\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} \[INF\] Starting nats-server$/m);
    expect(s.log()).toContain("Server is ready");
  });

  test("-DV logs debug lines and protocol traces", async () => {
    const s = await start(["-DV"]);
    const c = await RawClient.connect(s.port);
    await c.transact('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n');
    await s.waitLog("->> [PONG]");
    expect(s.log()).toContain("[DBG] ");
    expect(s.log()).toContain("<<- [SUB foo 1]");
    expect(s.log()).toContain("<<- [PUB foo 2]");
    expect(s.log()).toContain("->> [MSG foo 1 2]");
    c.close();
  });

  test("pid file and ports file", async () => {
    const dir = tmp();
    const s = await start(["-P", join(dir, "srv.pid"), "--ports_file_dir", dir]);
    // Written once the listeners are up, just before "Server is ready".
    await s.waitLog("Server is ready");
    expect(readFileSync(join(dir, "srv.pid"), "utf8")).toBe(String(s.proc.pid));
    const ports = readdirSync(dir).filter((f) => f.endsWith(".ports"));
    expect(ports).toEqual([`nats-bun_${s.proc.pid}.ports`]);
    expect(JSON.parse(readFileSync(join(dir, ports[0]!), "utf8"))).toEqual({ nats: [`nats://127.0.0.1:${s.port}`] });
    s.proc.kill("SIGTERM");
    expect(await exited(s)).toBe(0);
    expect(existsSync(join(dir, ports[0]!))).toBe(false);
  });

  /** Starts `bin` by name from PATH (`dir` first) with a config that sets ports_file_dir; returns the file's name and content. */
  async function portsFileOf(bin: string, dir: string, extraConf = ""): Promise<{ name: string; content: unknown; pid: number }> {
    const out = tmp();
    const conf = join(out, "s.conf");
    writeFileSync(conf, `ports_file_dir: "${out}"\n${extraConf}`);
    const s = await start(["-c", conf], { bin, env: { PATH: `${dir}:${process.env.PATH}` } });
    // The reference writes the file from a goroutine once the listeners are up.
    let ports: string[] = [];
    for (let i = 0; i < 200 && ports.length === 0; i++) {
      ports = readdirSync(out).filter((f) => f.endsWith(".ports"));
      if (ports.length === 0) await Bun.sleep(10);
    }
    const content: unknown = JSON.parse(readFileSync(join(out, ports[0]!), "utf8"));
    return { name: ports[0]!.replace(String(s.proc.pid), "PID"), content, pid: s.proc.pid };
  }

  test("the ports file is named as the program was invoked: a symlink on PATH, a renamed copy", async () => {
    const dir = tmp();
    symlinkSync(NATS_BUN, join(dir, "nats-server"));
    copyFileSync(NATS_BUN, join(dir, "edge-nats"));
    chmodSync(join(dir, "edge-nats"), 0o755);
    expect((await portsFileOf("nats-server", dir)).name).toBe("nats-server_PID.ports");
    expect((await portsFileOf(join(dir, "edge-nats"), dir)).name).toBe("edge-nats_PID.ports");
  });

  test.skipIf(!haveReference)("ports file name and content as nats-server writes them, TLS included", async () => {
    const ours = tmp();
    const ref = tmp();
    symlinkSync(NATS_BUN, join(ours, "nats-server"));
    symlinkSync(NATS_SERVER, join(ref, "nats-server"));
    const pki = makePKI();
    for (const conf of ["", `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" }`]) {
      const a = await portsFileOf("nats-server", ours, conf);
      const b = await portsFileOf("nats-server", ref, conf);
      expect(a.name).toBe(b.name);
      const scheme = (p: { content: unknown }): string[] => ((p.content as { nats: string[] }).nats ?? []).map((u) => u.replace(/:\d+$/, ""));
      expect(Object.keys(a.content as object)).toEqual(Object.keys(b.content as object));
      expect(scheme(a)).toEqual(scheme(b));
    }
  });
});

describe("signals", () => {
  test("SIGTERM and SIGINT shut down cleanly with exit 0", async () => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const s = await start([]);
      const c = await RawClient.connect(s.port);
      await c.waitFor("\r\n");
      s.proc.kill(sig);
      expect(await exited(s)).toBe(0);
      await c.waitClosed();
    }
  });

  test("SIGHUP reloads: reloadable options apply to existing connections", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "max_payload: 1000\n");
    const s = await start(["-c", conf]);
    const c = await RawClient.connect(s.port);
    await c.transact('CONNECT {"verbose":false}\r\n');
    writeFileSync(conf, "max_payload: 10\ndebug: true\n");
    s.proc.kill("SIGHUP");
    await s.waitLog("Reloaded server configuration");
    expect(s.log()).toContain("Reloaded: max_payload = 10");
    expect((await info(s.port)).max_payload).toBe(10);
    c.write("PUB a 20\r\n");
    await c.waitClosed();
    expect(c.text).toContain("-ERR 'Maximum Payload Violation'");
  });

  test("SIGHUP with a lower max_connections closes clients over it", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "max_connections: 10\n");
    const s = await start(["-c", conf]);
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(s.port)));
    for (const c of clients) await c.transact('CONNECT {"verbose":false}\r\n');
    writeFileSync(conf, "max_connections: 1\n");
    s.proc.kill("SIGHUP");
    await s.waitLog("Closing 2 existing clients due to new max_connections");
    const deadline = Date.now() + 3000;
    while (clients.filter((c) => c.closed).length < 2 && Date.now() < deadline) await Bun.sleep(10);
    const closed = clients.filter((c) => c.closed);
    expect(closed.length).toBe(2);
    for (const c of closed) expect(c.text).toEndWith("-ERR 'maximum connections exceeded'\r\n");
  });

  test("SIGHUP refuses a non-reloadable change and keeps running", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "server_name: one\n");
    const s = await start(["-c", conf]);
    writeFileSync(conf, "server_name: two\n");
    s.proc.kill("SIGHUP");
    await s.waitLog("Failed to reload server configuration");
    expect(s.log()).toContain("config reload not supported for ServerName: old=one, new=two");
    expect((await info(s.port)).server_name).toBe("one");
  });

  test("SIGHUP with a broken file keeps the old config", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "max_payload: 1000\n");
    const s = await start(["-c", conf]);
    writeFileSync(conf, "max_payload: {{{\n");
    s.proc.kill("SIGHUP");
    await s.waitLog("Failed to reload server configuration");
    expect((await info(s.port)).max_payload).toBe(1000);
  });

  test("flags still override the file after a reload", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "max_payload: 1000\n");
    const s = await start(["-c", conf, "-D"]);
    writeFileSync(conf, "max_payload: 2000\ndebug: false\n");
    s.proc.kill("SIGHUP");
    await s.waitLog("Reloaded server configuration");
    expect(s.log()).not.toContain("Reloaded: debug");
    expect((await info(s.port)).max_payload).toBe(2000);
  });

  test("--signal reload=<pid> and =<pidfile>", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, "max_payload: 1000\n");
    const s = await start(["-c", conf, "-P", join(dir, "s.pid")]);
    writeFileSync(conf, "max_payload: 3000\n");
    expect((await runBinary(["--signal", `reload=${s.proc.pid}`])).code).toBe(0);
    await s.waitLog("Reloaded: max_payload = 3000");
    writeFileSync(conf, "max_payload: 4000\n");
    expect((await runBinary(["--signal", `reload=${join(dir, "s.pid")}`])).code).toBe(0);
    await s.waitLog("Reloaded: max_payload = 4000");
    const bad = await runBinary(["--signal", `bogus=${s.proc.pid}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown signal "bogus"');
  });

  test("SIGUSR1 reopens the log file", async () => {
    const dir = tmp();
    const log = join(dir, "s.log");
    // With -l the log goes to the file, so this one is watched through the file.
    const proc = Bun.spawn([NATS_BUN, "-a", "127.0.0.1", "-p", "-1", "-l", log]);
    const deadline = Date.now() + 5000;
    while (!(existsSync(log) && readFileSync(log, "utf8").includes("Server is ready")) && Date.now() < deadline) await Bun.sleep(20);
    renameSync(log, `${log}.1`);
    proc.kill("SIGUSR1");
    while (!existsSync(log) && Date.now() < deadline + 5000) await Bun.sleep(20);
    expect(readFileSync(log, "utf8")).toContain("File log re-opened");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  test("SIGUSR2: lame duck mode stops accepting, tells protocol-1 clients, closes them, exits 0", async () => {
    const dir = tmp();
    const conf = join(dir, "s.conf");
    writeFileSync(conf, 'lame_duck_duration: "30s"\nlame_duck_grace_period: "1s"\n');
    const s = await start(["-c", conf]);
    const c = await RawClient.connect(s.port);
    await c.transact('CONNECT {"verbose":false,"protocol":1}\r\n');
    s.proc.kill("SIGUSR2");
    await s.waitLog("Entering lame duck mode, stop accepting new clients");
    await c.waitFor('"ldm":true');
    await Bun.sleep(50);
    await expect(RawClient.connect(s.port)).rejects.toThrow();
    await c.waitClosed(5000);
    expect(await exited(s)).toBe(0);
  });
});
