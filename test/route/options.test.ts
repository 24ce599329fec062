// The `cluster {}` block and the cluster flags against nats-server 2.9.10:
// what `-t` says about a file (parse errors with file:line:col, warnings),
// what stops a start (validateCluster, the flag checks of ConfigureOptions),
// and, for good files and flags, the options we parse from them.

import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyFlagOverrides, parseCommandLine, USAGE } from "../../src/config/flags.ts";
import { loadConfig } from "../../src/config/options.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { defaultOptions } from "../../src/config/types.ts";
import { clusterProblem, parseClusterOptions, parseRouteURL, type ClusterOptions } from "../../src/route/options.ts";
import { tempDir } from "../helpers/conf.ts";
import { makePKI, type TestPKI } from "../helpers/certs.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer } from "../helpers/servers.ts";

let pki: TestPKI;
beforeAll(() => {
  pki = makePKI();
});

/** A directory with main.conf. */
function dir(conf: string): string {
  const d = tempDir("nats-bun-clusterconf-");
  writeFileSync(join(d, "main.conf"), `${conf}\n`);
  return d;
}

/** `-t` output lines without the program name and our digest. */
function check(bin: string, cwd: string, flags: string[] = []): { code: number; lines: string[] } {
  const r = Bun.spawnSync([bin, "-t", "-c", "main.conf", ...flags], { cwd, env: { PATH: "/usr/bin:/bin", HOME: "/tmp" } });
  const lines = r.stderr
    .toString()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/^nats-(server|bun): /, "").replace(/ \(sha256:[0-9a-f]+\)$/, ""));
  return { code: r.exitCode ?? -1, lines };
}

/** How a start ends: the error line, or "started" (then stopped). */
async function start(bin: string, args: string[], cwd?: string): Promise<string> {
  try {
    const s = await startServer(args, { bin, cwd });
    await s.stop();
    return "started";
  } catch (e) {
    const last = (e as Error).message.trim().split("\n").at(-1) ?? "";
    return last.replace(/^nats-(server|bun): /, "");
  }
}

const VALID = "configuration file main.conf is valid";

/** Files `-t` refuses (or warns about), with 2.9.10's words. One problem each: 2.9.10 reads the block in random order. */
const CHECKED: Array<[string, string, string]> = [
  ["unknown field", "cluster { foo: 1 }", 'main.conf:1:10: unknown field "foo"'],
  ["pool_size (2.10+)", "cluster { pool_size: 3 }", 'main.conf:1:10: unknown field "pool_size"'],
  ["compression (2.10+)", "cluster { compression: s2_auto }", 'main.conf:1:10: unknown field "compression"'],
  ["accounts (2.10+)", "cluster { accounts: [A] }", 'main.conf:1:10: unknown field "accounts"'],
  ["not a map", "cluster: 1", "main.conf:1:0: Expected map to define cluster, got int64"],
  ["name not a string", "cluster { name: 1 }", "main.conf:1:10: interface conversion: interface {} is int64, not string"],
  ["port not a number", 'cluster { port: "a" }', "main.conf:1:10: interface conversion: interface {} is string, not int64"],
  ["listen without port", 'cluster { listen: "127.0.0.1" }', 'main.conf:1:10: could not parse address string "127.0.0.1"'],
  ["host not a string", "cluster { net: 1 }", "main.conf:1:10: interface conversion: interface {} is int64, not string"],
  ["advertise not a string", "cluster { cluster_advertise: 1 }", "main.conf:1:10: interface conversion: interface {} is int64, not string"],
  ["no_advertise not a bool", "cluster { no_advertise: 1 }", "main.conf:1:10: interface conversion: interface {} is int64, not bool"],
  ["connect_retries not a number", 'cluster { connect_retries: "a" }', "main.conf:1:10: interface conversion: interface {} is string, not int64"],
  ["authorization not a map", "cluster { authorization: 1 }", "main.conf:1:10: interface conversion: interface {} is int64, not map[string]interface {}\nmain.conf:1:10: runtime error: invalid memory address or nil pointer dereference"],
  ["authorization users", "cluster { authorization { users: [{user: a, password: b}] } }", "main.conf:1:10: Cluster authorization does not allow multiple users"],
  ["authorization empty users", "cluster { authorization { users: [] } }", "main.conf:1:10: Cluster authorization does not allow multiple users"],
  ["authorization users not a list", "cluster { authorization { users: 1 } }", "main.conf:1:26: Expected users field to be an array, got 1"],
  ["authorization token", "cluster { authorization { token: abc } }", "main.conf:1:10: Cluster authorization does not support tokens"],
  ["authorization permissions (a warning)", 'cluster { authorization { user: a, password: b, permissions { import: "a" } } }', 'main.conf:1:10: invalid use of field "authorization": setting "permissions" within cluster authorization block is deprecated'],
  ["authorization unknown field", "cluster { authorization { user: a, password: b, foo: 1 } }", 'main.conf:1:48: unknown field "foo"'],
  ["routes not a list", 'cluster { routes: "nats://a:1" }', "main.conf:1:10: interface conversion: interface {} is string, not []interface {}"],
  ["route not a string", 'cluster { routes: [ "nats://a:1", 2, "nats://a b:1" ] }', "main.conf:1:34: interface conversion: interface {} is int64, not string"],
  ["route urls that do not parse", 'cluster { routes: [ "nats://a b:1", "127.0.0.1:1" ] }', 'main.conf:1:21: error parsing route url ["nats://a b:1"]\nmain.conf:1:37: error parsing route url ["127.0.0.1:1"]'],
  ["route duplicated (a warning)", 'cluster { routes: [ "nats://a:1", "nats://a:1" ] }', 'main.conf:1:35: invalid use of field "nats://a:1": Duplicate route entry detected'],
  ["tls unknown field", "cluster { tls { foo: 1 } }", 'main.conf:1:16: error parsing tls config, unknown field ["foo"]'],
  ["tls ca file missing", 'cluster { tls { ca_file: "/nonexistent" } }', "main.conf:1:10: open /nonexistent: no such file or directory"],
  ["tls cert without key", 'cluster { tls { cert_file: "/nonexistent" } }', "main.conf:1:10: missing 'key_file' in TLS configuration"],
  ["tls files missing", 'cluster { tls { cert_file: "/nonexistent", key_file: "/nonexistent" } }', "main.conf:1:10: error parsing X509 certificate/key pair: open /nonexistent: no such file or directory"],
  ["permissions with responses", 'cluster { permissions { import: "a", allow_responses: true } }', "main.conf:1:10: Cluster permissions do not support dynamic responses"],
  ["permissions not a map (no position)", "cluster { permissions: 1 }", "Expected permissions to be a map/struct, got 1"],
  ["permissions unknown field", "cluster { permissions { foo: 1 } }", 'main.conf:1:24: Unknown field "foo" parsing permissions'],
  ["permissions bad subject (no position)", 'cluster { permissions { export: "a..b" } }', 'subject "a..b" is not a valid subject'],
];

/** Files `-t` accepts; how a start ends (validateCluster). */
const STARTED: Array<[string, string, string]> = [
  ["cluster and gateway names differ", "cluster { name: a, port: -1 }\ngateway { name: b, port: -1 }", "cluster name conflicts between cluster and gateway definitions"],
  ["cluster name taken from the gateway", "cluster { port: -1 }\ngateway { name: b, port: -1 }", "started"],
  ["a cluster name with spaces (refused only by later servers)", 'cluster { name: "my cluster", port: -1 }', "started"],
  ["routes without a cluster port", 'cluster { routes: ["nats://127.0.0.1:1"] }', "started"],
  ["authorization timeout as a string", 'cluster { port: -1, authorization { user: a, password: b, timeout: "3s" } }', "started"],
  ["duplicate route only warns", 'cluster { port: -1, routes: ["nats://127.0.0.1:1", "nats://127.0.0.1:1"] }', "started"],
];

/** Command lines (no file) and how a start ends. */
const FLAGS: Array<[string, string[], string]> = [
  ["routes without a cluster", ["--routes", "nats://127.0.0.1:1"], "solicited routes require cluster capabilities, e.g. --cluster"],
  ["cluster user without password", ["--cluster", "nats://u@127.0.0.1:-1"], "expected cluster password to be set"],
  ["cluster url without port", ["--cluster", "nats://127.0.0.1"], "address 127.0.0.1: missing port in address"],
  ["cluster url with an empty port", ["--cluster", "nats://127.0.0.1:"], "EOF"],
  ["cluster url with a space", ["--cluster", "nats://a b:1"], 'parse "nats://a b:1": invalid character " " in host name'],
  ["cluster url without scheme", ["--cluster", "127.0.0.1:5222"], 'parse "127.0.0.1:5222": first path segment in URL cannot contain colon'],
  ["cluster url with a bad port", ["--cluster", "nats://127.0.0.1:abc"], 'parse "nats://127.0.0.1:abc": invalid port ":abc" after host'],
  ["cluster url with a bad escape", ["--cluster", "nats://%zz@h:1"], 'parse "nats://%zz@h:1": invalid URL escape "%zz"'],
  ["cluster url, too many colons", ["--cluster", "nats://1:2:3"], "address 1:2:3: too many colons in address"],
  ["cluster url, unclosed bracket", ["--cluster", "nats://[::1"], `parse "nats://[::1": missing ']' in host`],
  ["every cluster flag", ["--cluster", "nats://u:p@127.0.0.1:-1", "--routes", "nats://127.0.0.1:1, nats://127.0.0.1:2", "--cluster_name", "c1", "--cluster_advertise", "127.0.0.1:6222", "--no_advertise", "--connect_retries", "2"], "started"],
  ["cluster_listen alias", ["--cluster_listen", "nats://127.0.0.1:-1"], "started"],
];

describe.skipIf(!haveReference)("cluster block and flags against nats-server 2.9.10", () => {
  test.each(CHECKED)("-t: %s", (_name, conf, want) => {
    const d = dir(conf);
    const ref = check(NATS_SERVER, d);
    const ours = check(NATS_BUN, d);
    expect(ref).toEqual({ code: 1, lines: want.split("\n") });
    expect(ours).toEqual(ref);
  });

  test.each(STARTED)("start: %s", async (_name, conf, want) => {
    const d = dir(conf);
    // A warning fails -t (and only warns at a start).
    expect(check(NATS_BUN, d)).toEqual(check(NATS_SERVER, d));
    const [ref, ours] = await Promise.all([start(NATS_SERVER, ["-c", "main.conf"], d), start(NATS_BUN, ["-c", "main.conf"], d)]);
    expect(ref).toBe(want);
    expect(ours).toBe(want);
  });

  test.each(FLAGS)("flags: %s", async (_name, args, want) => {
    const [ref, ours] = await Promise.all([start(NATS_SERVER, args), start(NATS_BUN, args)]);
    expect(ref).toBe(want);
    expect(ours).toBe(want);
  });

  test("-t checks the file alone: cluster flags are not applied", () => {
    const d = dir("port: 4222");
    const flags = ["--routes", "nats://127.0.0.1:1", "--cluster", "nats://u@h:1"];
    expect(check(NATS_SERVER, d, flags)).toEqual({ code: 0, lines: [VALID] });
    expect(check(NATS_BUN, d, flags)).toEqual({ code: 0, lines: [VALID] });
  });

  test("flags override the file: a cluster name flag ends a gateway conflict; file errors stay", async () => {
    const d = dir("cluster { name: a, port: -1 }\ngateway { name: b, port: -1 }");
    for (const bin of [NATS_SERVER, NATS_BUN]) expect(await start(bin, ["-c", "main.conf", "--cluster_name", "b"], d)).toBe("started");
    const bad = dir("cluster { port: -1, authorization { users: [] } }");
    for (const bin of [NATS_SERVER, NATS_BUN]) {
      expect(await start(bin, ["-c", "main.conf", "--cluster", "nats://u:p@127.0.0.1:-1"], bad)).toBe("main.conf:1:20: Cluster authorization does not allow multiple users");
    }
  });

  test("every key and alias: valid, and both start", async () => {
    const d = dir(fullConf());
    expect(check(NATS_SERVER, d)).toEqual({ code: 0, lines: [VALID] });
    expect(check(NATS_BUN, d)).toEqual({ code: 0, lines: [VALID] });
    const [ref, ours] = await Promise.all([start(NATS_SERVER, ["-c", "main.conf"], d), start(NATS_BUN, ["-c", "main.conf"], d)]);
    expect([ref, ours]).toEqual(["started", "started"]);
  });

  test("--help lists the same cluster flags in the same order", () => {
    const flagsOf = (text: string): string[] => {
      const section = text.slice(text.indexOf("Cluster Options:"));
      return [...section.slice(0, section.indexOf("\n\n")).matchAll(/^\s+(--\w+)/gm)].map((m) => m[1]!);
    };
    const ref = Bun.spawnSync([NATS_SERVER, "--help"]);
    const refText = ref.stdout.toString() + ref.stderr.toString();
    expect(flagsOf(USAGE)).toEqual(flagsOf(refText));
    expect(flagsOf(USAGE)).toContain("--cluster_name");
  });
});

/** A file using every 2.9.10 key (and aliases). */
function fullConf(): string {
  return `cluster {
  name: "c1"
  listen: "127.0.0.1:-1"
  cluster_advertise: "127.0.0.1:6222"
  no_advertise: true
  connect_retries: 3
  routes: [ "nats-route://ru:rp@127.0.0.1:1", " nats://127.0.0.1:2 " ]
  authorization { user: ru, password: rp, timeout: 1.5 }
  permissions { import: { allow: ["a.>"] }, export: ["b", "c.*"] }
  tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.ca}", timeout: 3, verify_cert_and_check_known_urls: true }
}`;
}

/** Our parse of a file in a fresh directory, with command-line flags applied as at a start. */
function parse(conf: string, flags: string[] = []): ClusterOptions | null {
  const { options } = loadConfig(join(dir(conf), "main.conf"));
  applyFlagOverrides(options, parseCommandLine(flags));
  return parseClusterOptions(options);
}

/** Our parse of flags alone. */
function parseFlags(flags: string[]): ClusterOptions | null {
  const options = defaultOptions();
  applyFlagOverrides(options, parseCommandLine(flags));
  return parseClusterOptions(options);
}

describe("parsed options", () => {
  test("no block, no cluster", () => {
    expect(parse("port: 4222")).toBeNull();
  });

  test("defaults: a port listens everywhere with a 2 s auth timeout; no port opens nothing", () => {
    expect(parse("cluster { port: 6222 }")).toEqual({
      name: "",
      host: "0.0.0.0",
      port: 6222,
      advertise: "",
      noAdvertise: false,
      routes: [],
      authorization: { user: "", password: "", timeoutSec: 2 },
      tls: null,
      tlsTimeoutMs: 2000,
      connectRetries: 0,
      permissions: null,
    });
    expect(parse("cluster { name: x }")).toMatchObject({ name: "x", host: "", port: 0, authorization: { timeoutSec: 0 } });
    const withTLS = parse(`cluster { port: -1, tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", timeout: 3 } }`)!;
    expect(withTLS.authorization.timeoutSec).toBe(4);
  });

  test("every key and alias", () => {
    const co = parse(fullConf())!;
    expect(co).toMatchObject({ name: "c1", host: "127.0.0.1", port: -1, advertise: "127.0.0.1:6222", noAdvertise: true, connectRetries: 3, tlsTimeoutMs: 3000 });
    expect(co.authorization).toEqual({ user: "ru", password: "rp", timeoutSec: 1.5 });
    expect(co.permissions).toEqual({ import: { allow: ["a.>"], deny: null }, export: { allow: ["b", "c.*"], deny: null } });
    // Routes always verify the peer, and may check it against known URLs.
    expect(co.tls).toMatchObject({ verify: true, checkKnownURLs: true });
    expect(co.tls?.ca).toContain("BEGIN CERTIFICATE");
    expect(co.routes.map((u) => [u.scheme, u.user, u.host, u.hostname, u.port])).toEqual([
      ["nats-route", { username: "ru", password: "rp" }, "127.0.0.1:1", "127.0.0.1", 1],
      ["nats", null, "127.0.0.1:2", "127.0.0.1", 2],
    ]);
  });

  test("permissions inside authorization apply unless the block has its own", () => {
    const auth = 'authorization { user: a, password: b, permissions { import: "x" } }';
    expect(parse(`cluster { ${auth} }`)!.permissions).toEqual({ import: { allow: ["x"], deny: null }, export: null });
    expect(parse(`cluster { permissions { export: "y" }, ${auth} }`)!.permissions).toEqual({ import: null, export: { allow: ["y"], deny: null } });
    expect(parse(`cluster { ${auth}, permissions { export: "y" } }`)!.permissions).toEqual({ import: null, export: { allow: ["y"], deny: null } });
  });

  test("route urls keep no default port", () => {
    expect(parseRouteURL("nats-route://h")).toMatchObject({ host: "h", hostname: "h", port: 0 });
    expect(parseRouteURL("nats://[::1]:6222")).toMatchObject({ host: "[::1]:6222", hostname: "::1", port: 6222 });
    expect(parseRouteURL("nats://a b:1")).toBeNull();
  });

  test("errors come back together; warnings alone only warn", () => {
    expect(() => parse("cluster { foo: 1, bar: 2 }")).toThrow(ConfigError);
    const { options } = loadConfig(join(dir('cluster { routes: ["nats://h:1", "nats://h:1"] }'), "main.conf"));
    const warnings: string[] = [];
    expect(parseClusterOptions(options, warnings)!.routes).toHaveLength(1);
    expect(warnings).toHaveLength(1);
  });

  test("flags alone", () => {
    const co = parseFlags(["--cluster", "nats://u:p@127.0.0.1:-1", "--routes", "nats://a:1, nats://b:2,nats://a:1", "--cluster_name", "c", "--no_advertise", "--connect_retries", "5", "--cluster_advertise", "x:1"])!;
    expect(co).toMatchObject({ name: "c", host: "127.0.0.1", port: -1, noAdvertise: true, connectRetries: 5, advertise: "x:1" });
    expect(co.authorization).toMatchObject({ user: "u", password: "p" });
    expect(co.routes.map((u) => u.host)).toEqual(["a:1", "b:2"]);
    expect(parseFlags(["--cluster", "nats://[::1]:6222"])).toMatchObject({ host: "::1", port: 6222 });
    expect(parseFlags([])).toBeNull();
  });

  test("flags override the file's keys, whatever their spelling", () => {
    const conf = 'cluster { NAME: a, Listen: "127.0.0.1:7000", advertise: "f:1", No_Advertise: true, routes: ["nats://f:1"], authorization { username: fu, pass: fp, timeout: 3 } }';
    const co = parse(conf, ["--cluster_name", "b", "--cluster", "nats://0.0.0.0:7001", "--cluster_advertise", "g:2", "--no_advertise=false", "--routes", "nats://g:2"])!;
    expect(co).toMatchObject({ name: "b", host: "0.0.0.0", port: 7001, advertise: "g:2", noAdvertise: false });
    expect(co.routes.map((u) => u.host)).toEqual(["g:2"]);
    // No credentials in --cluster: the file's no longer apply (the timeout stays).
    expect(co.authorization).toEqual({ user: "", password: "", timeoutSec: 3 });
    expect(parse(conf, ["--cluster", ""])!.port).toBe(0);
    expect(parse(conf, ["--routes", ""])!.routes).toEqual([]);
  });

  test("a file error keeps its position when flags are given", () => {
    expect(() => parse("cluster { port: -1, foo: 1 }", ["--cluster_name", "x"])).toThrow(/main\.conf:1:20: unknown field "foo"/);
  });

  test("clusterProblem: the gateway name", () => {
    const co = parse("cluster { port: -1 }")!;
    expect(clusterProblem(co, "")).toBeNull();
    expect(clusterProblem(co, "g")).toBeNull();
    expect(co.name).toBe("g");
    expect(clusterProblem(co, "h")).toBe("cluster name conflicts between cluster and gateway definitions");
    expect(clusterProblem(null, "h")).toBeNull();
  });
});
