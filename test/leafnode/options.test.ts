// The `leafnodes {}` block against nats-server 2.9.10: what `-t` says about
// a file (parse errors with file:line:col, warnings), what stops a start
// (validateLeafNode: missing local accounts, operator mode rules, mixed
// websocket URLs), and, for good files, the options we parse from them.

import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createAccount, createOperator, encodeAccount, encodeOperator } from "@nats-io/jwt";
import { loadConfig } from "../../src/config/options.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { leafnodeProblem, parseLeafnodeOptions, type LeafnodeOptions } from "../../src/leafnode/options.ts";
import { parseLeafURL, redactedURL } from "../../src/leafnode/url.ts";
import { minVersionProblem } from "../../src/leafnode/util.ts";
import { tempDir } from "../helpers/conf.ts";
import { makePKI, type TestPKI } from "../helpers/certs.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer } from "../helpers/servers.ts";

interface Env {
  opJwt: string;
  sys: string;
  sysJwt: string;
  /** An account public key (never registered: validation only looks at its form). */
  acc: string;
  pki: TestPKI;
}
let env: Env;

beforeAll(async () => {
  const op = createOperator();
  const sys = createAccount();
  env = {
    opJwt: await encodeOperator("OP", op, { system_account: sys.getPublicKey() }),
    sys: sys.getPublicKey(),
    sysJwt: await encodeAccount("SYS", sys, {}, { signer: op }),
    acc: createAccount().getPublicKey(),
    pki: makePKI(),
  };
});

/** A directory with op.jwt and main.conf. */
function dir(conf: string): string {
  const d = tempDir("nats-bun-leafconf-");
  writeFileSync(join(d, "op.jwt"), env.opJwt);
  writeFileSync(join(d, "main.conf"), `${conf}\n`);
  return d;
}

const operator = (e: Env): string => `operator: op.jwt\nresolver: MEMORY\nresolver_preload { ${e.sys}: "${e.sysJwt}" }\n`;

/** `-t` output lines without the program name and our digest. */
function check(bin: string, cwd: string): { code: number; lines: string[] } {
  const r = Bun.spawnSync([bin, "-t", "-c", "main.conf"], { cwd, env: { PATH: "/usr/bin:/bin", HOME: "/tmp" } });
  const lines = r.stderr
    .toString()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/^nats-(server|bun): /, "").replace(/ \(sha256:[0-9a-f]+\)$/, ""));
  return { code: r.exitCode ?? -1, lines };
}

/** How a start ends: the error line, or "started" (then stopped). */
async function start(bin: string, cwd: string): Promise<string> {
  try {
    const s = await startServer(["-c", "main.conf"], { bin, cwd });
    await s.stop();
    return "started";
  } catch (e) {
    const last = (e as Error).message.trim().split("\n").at(-1) ?? "";
    return last.replace(/^nats-(server|bun): /, "");
  }
}

const VALID = "configuration file main.conf is valid";

/** Files `-t` refuses (or warns about), with 2.9.10's words. */
const CHECKED: Array<[string, string, string]> = [
  ["unknown field", "leafnodes { foo: 1 }", 'main.conf:1:12: unknown field "foo"'],
  ["port not a number", 'leafnodes { port: "a" }', "main.conf:1:12: interface conversion: interface {} is string, not int64"],
  ["listen without port", 'leafnodes { listen: "127.0.0.1" }', 'main.conf:1:12: could not parse address string "127.0.0.1"'],
  ["reconnect as a duration", 'leafnodes { reconnect: "1s" }', "main.conf:1:12: interface conversion: interface {} is string, not int64"],
  ["no_advertise not a bool", "leafnodes { no_advertise: 1 }", "main.conf:1:12: interface conversion: interface {} is int64, not bool"],
  ["min_version too low", 'leafnodes { min_version: "2.7.9" }', "main.conf:1:12: the minimum version should be at least 2.8.0"],
  ["min_version without minor", 'leafnodes { minimum_version: "2" }', `main.conf:1:12: invalid leafnode's minimum version: strconv.Atoi: parsing "": invalid syntax`],
  ["min_version not a version", 'leafnodes { min_version: "x" }', "main.conf:1:12: invalid leafnode's minimum version: invalid semver"],
  ["tls unknown field", "leafnodes { tls { foo: 1 } }", 'main.conf:1:18: error parsing tls config, unknown field ["foo"]'],
  ["tls cert without key", 'leafnodes { tls { cert_file: "/nonexistent" } }', "main.conf:1:12: missing 'key_file' in TLS configuration"],
  ["tls files missing", 'leafnodes { tls { cert_file: "/nonexistent", key_file: "/nonexistent" } }', "main.conf:1:12: error parsing X509 certificate/key pair: open /nonexistent: no such file or directory"],
  ["authorization not a map", "leafnodes { authorization: 1 }", "main.conf:1:12: interface conversion: interface {} is int64, not map[string]interface {}\nmain.conf:1:12: runtime error: invalid memory address or nil pointer dereference"],
  ["authorization unknown field", "leafnodes { authorization { user: a, password: b, foo: 1 } }", 'main.conf:1:50: unknown field "foo"'],
  ["users not a list", "leafnodes { authorization { users: 1 } }", "main.conf:1:28: Expected users field to be an array, got 1"],
  ["user entry not a map", 'leafnodes { authorization { users: [ "a" ] } }', "main.conf:1:38: Expected user entry to be a map/struct, got a"],
  ["duplicate users", "leafnodes { authorization { users: [{user: a, password: b}, {user: a, password: c}] } }", 'main.conf:1:12: duplicate user "a" detected in leafnode authorization'],
  ["users and single user", "leafnodes { authorization { user: x, users: [{user: a, password: b}] } }", "main.conf:1:12: can not have a single user/pass and a users array"],
  ["remotes not a list", 'leafnodes { remotes: {url: "nats://a"} }', "main.conf:1:12: Expected remotes field to be an array, got map[string]interface {}"],
  ["remote not a map", 'leafnodes { remotes: ["x"] }', "main.conf:1:23: Expected remote leafnode entry to be a map/struct, got x"],
  ["remote url of a wrong type", "leafnodes { remotes: [{url: 1}] }", "main.conf:1:23: Expected remote leafnode url to be an array or string, got 1"],
  ["remote url without scheme and with port", 'leafnodes { remotes: [{url: "127.0.0.1:7422"}] }', 'main.conf:1:23: error parsing leafnode url ["127.0.0.1:7422"]'],
  ["remote url with a bad port", 'leafnodes { remotes: [{url: "nats://h:abc"}] }', 'main.conf:1:23: error parsing leafnode url ["nats://h:abc"]'],
  ["remote url with a bad host", 'leafnodes { remotes: [{urls: ["nats://a", "nats://a b:1"]}] }', 'main.conf:1:43: error parsing leafnode url ["nats://a b:1"]'],
  ["remote url duplicated (a warning)", 'leafnodes { remotes: [{urls: ["nats://h:1", "nats://h:1"]}] }', 'main.conf:1:45: invalid use of field "nats://h:1": Duplicate leafnode entry detected'],
  ["remote unknown field", 'leafnodes { remotes: [{url: "nats://a", foo: 1}] }', 'main.conf:1:40: unknown field "foo"'],
  ["remote hub not a bool", 'leafnodes { remotes: [{url: "nats://a", hub: 1}] }', "main.conf:1:40: interface conversion: interface {} is int64, not bool"],
  ["remote creds not a string", 'leafnodes { remotes: [{url: "nats://a", credentials: 1}] }', "main.conf:1:40: interface conversion: interface {} is int64, not string"],
  ["remote deny list of a wrong type", 'leafnodes { remotes: [{url: "nats://a", deny_imports: 1}] }', "main.conf:1:40: Expected subject permissions to be a subject, or array of subjects, got int64"],
  ["remote deny list with a bad subject", 'leafnodes { remotes: [{url: "nats://a", deny_export: "a..b"}] }', 'main.conf:1:40: subject "a..b" is not a valid subject'],
  ["remote tls known urls", 'leafnodes { remotes: [{url: "nats://a", tls { verify_cert_and_check_known_urls: true } }] }', "main.conf:1:46: verify_cert_and_check_known_urls not supported in this context"],
  ["remote tls ca file missing", 'leafnodes { remotes: [{url: "nats://a", tls { ca_file: "/nonexistent" } }] }', "main.conf:1:40: open /nonexistent: no such file or directory"],
];

/** Files `-t` accepts but a start refuses (validateLeafNode). */
const STARTED: Array<[string, (e: Env) => string, string]> = [
  ["remote local account missing", () => 'leafnodes { remotes: [{url: "nats://127.0.0.1:1", account: B}] }', 'cannot find local account "B" specified in leafnode remote'],
  ["authorization account missing", () => "leafnodes { authorization { account: B } }", 'cannot find local account "B" specified in leafnode authorization'],
  ["user account missing", () => "leafnodes { authorization { users: [{user: a, password: b, account: C}] } }", 'cannot find local account "C" specified in leafnode authorization'],
  ["$SYS without a system account", () => 'no_system_account: true\nleafnodes { remotes: [{url: "nats://127.0.0.1:1", local: "$SYS"}] }', 'cannot find local account "$SYS" specified in leafnode remote'],
  ["mixed websocket urls", () => 'leafnodes { remotes: [{urls: ["nats://u:p@h:1", "WS://H", "localhost"]}] }', 'remote leaf node configuration cannot have a mix of websocket and non-websocket urls: ["nats://u:xxxxx@h:1" "ws://H:7422" "//:7422/localhost"]'],
  ["gateway without system account", () => "leafnodes { port: -1 }\ngateway { name: g, port: -1 }", "leaf nodes and gateways (both being defined) require a system account to also be configured"],
  ["operator mode: remote without account", (e) => `${operator(e)}leafnodes { remotes: [{url: "nats://127.0.0.1:1"}] }`, "operator mode requires account nkeys in remotes. Please add an `account` key to each remote in your `leafnodes` section, to assign it to an account. Each account value should be a 56 character public key, starting with the letter 'A'"],
  ["operator mode: leafnode users", (e) => `${operator(e)}leafnodes { port: -1, authorization { users: [{user: a, password: b}] } }`, "operator mode does not allow specifying user in leafnode config"],
  ["operator mode: authorization account by name", (e) => `${operator(e)}leafnodes { port: -1, authorization { account: A } }`, "operator mode and non account nkeys are incompatible"],
  ["remote bound to the default system account", () => 'leafnodes { remotes: [{url: "nats://127.0.0.1:1", account: "$SYS"}] }', "started"],
  ["remote to an existing account", () => 'accounts { A {} }\nleafnodes { remotes: [{url: "nats://127.0.0.1:1", account: A}] }', "started"],
  ["operator mode: remote with an account key", (e) => `${operator(e)}leafnodes { remotes: [{url: "nats://127.0.0.1:1", account: ${e.acc}}] }`, "started"],
  ["operator mode: account name without port", (e) => `${operator(e)}leafnodes { authorization { account: A } }`, "started"],
];

/** A file using every 2.9.10 key (and aliases); `-t` and a start accept it. */
function fullConf(e: Env): string {
  const p = e.pki;
  return `accounts { A { users [ {user: x, password: x} ] }, B {} }
leafnodes {
  listen: "127.0.0.1:-1"
  advertise: "leaf.example:7422"
  no_advertise: true
  reconnect_interval: 3
  min_version: "2.8.4"
  tls { cert_file: "${p.serverCert}", key_file: "${p.serverKey}", ca_file: "${p.ca}", timeout: 3 }
  authorization { users: [ {user: l1, password: p1, account: A}, {username: l2, pass: p2} ], timeout: 2.5 }
  remotes: [
    { url: "nats-leaf://u:p@127.0.0.1:1", local: A, creds: "~/leaf.creds", hub: true, deny_import: "secret.>", deny_exports: ["a", "b.*"], dont_randomize: true, js_cluster_migrate: false }
    { urls: ["ws://127.0.0.1:2/path", "wss://127.0.0.1"], ws_compress: true, websocket_no_masking: true }
    { url: "tls://127.0.0.1:3", tls { ca_file: "${p.ca}" } }
  ]
}`;
}

describe.skipIf(!haveReference)("leafnodes block against nats-server 2.9.10", () => {
  test.each(CHECKED)("-t: %s", (_name, conf, want) => {
    const d = dir(conf);
    const ref = check(NATS_SERVER, d);
    const ours = check(NATS_BUN, d);
    expect(ref).toEqual({ code: 1, lines: want.split("\n") });
    expect(ours).toEqual(ref);
  });

  test.each(STARTED)("start: %s", async (_name, conf, want) => {
    const d = dir(conf(env));
    expect(check(NATS_SERVER, d)).toEqual({ code: 0, lines: [VALID] });
    expect(check(NATS_BUN, d)).toEqual({ code: 0, lines: [VALID] });
    const [ref, ours] = await Promise.all([start(NATS_SERVER, d), start(NATS_BUN, d)]);
    expect(ref).toBe(want);
    expect(ours).toBe(want);
  });

  test("every key and alias: valid, and both start", async () => {
    const d = dir(fullConf(env));
    expect(check(NATS_SERVER, d)).toEqual({ code: 0, lines: [VALID] });
    expect(check(NATS_BUN, d)).toEqual({ code: 0, lines: [VALID] });
    const [ref, ours] = await Promise.all([start(NATS_SERVER, d), start(NATS_BUN, d)]);
    expect([ref, ours]).toEqual(["started", "started"]);
  });
});

/** Our parse of a file in a fresh directory. */
function parse(conf: string): LeafnodeOptions {
  const d = dir(conf);
  const cwd = process.cwd();
  process.chdir(d);
  try {
    return parseLeafnodeOptions(loadConfig("main.conf").options)!;
  } finally {
    process.chdir(cwd);
  }
}

describe("parsed options", () => {
  test("defaults", () => {
    const lo = parse('leafnodes { remotes: [{url: "nats://hub"}] }');
    expect(lo.port).toBe(0);
    expect(lo.host).toBe("");
    expect(lo.reconnectIntervalMs).toBe(1000);
    expect(lo.tls).toBeNull();
    expect(lo.authorization).toEqual({ user: "", password: "", account: "", timeoutSec: 0, users: [] });
    const r = lo.remotes[0]!;
    expect(r.localAccount).toBe("$G");
    expect(r.urls[0]).toMatchObject({ scheme: "nats", host: "hub:7422", hostname: "hub", port: 7422 });
    expect(r.tlsRequired).toBe(false);
    expect(r.noRandomize).toBe(false);
  });

  test("a port without host listens everywhere; host alone opens nothing", () => {
    const lo = parse("leafnodes { port: 7422 }");
    expect(lo).toMatchObject({ host: "0.0.0.0", port: 7422 });
    expect(lo.authorization.timeoutSec).toBe(2);
    const withTLS = parse(`leafnodes { port: -1, tls { cert_file: "${env.pki.serverCert}", key_file: "${env.pki.serverKey}", timeout: 3 } }`);
    expect(withTLS.authorization.timeoutSec).toBe(4);
    expect(parse("leafnodes { host: 127.0.0.1 }")).toMatchObject({ host: "127.0.0.1", port: 0 });
  });

  test("every key and alias", () => {
    const lo = parse(fullConf(env));
    expect(lo).toMatchObject({ host: "127.0.0.1", port: -1, advertise: "leaf.example:7422", noAdvertise: true, reconnectIntervalMs: 3000, minVersion: "2.8.4", tlsTimeoutMs: 3000 });
    expect(lo.tls?.ca).toContain("BEGIN CERTIFICATE");
    expect(lo.authorization.timeoutSec).toBe(2.5);
    expect(lo.authorization.users).toEqual([
      { user: "l1", password: "p1", account: "A" },
      { user: "l2", password: "p2", account: "" },
    ]);
    const [a, b, c] = lo.remotes as [LeafnodeOptions["remotes"][0], LeafnodeOptions["remotes"][0], LeafnodeOptions["remotes"][0]];
    expect(a).toMatchObject({ localAccount: "A", hub: true, denyImports: ["secret.>"], denyExports: ["a", "b.*"], noRandomize: true, jetstreamClusterMigrate: true, tls: null, tlsRequired: false });
    expect(a.credentials).toBe(join(homedir(), "leaf.creds"));
    expect(a.urls[0]).toMatchObject({ scheme: "nats-leaf", user: { username: "u", password: "p" }, host: "127.0.0.1:1", port: 1 });
    expect(b).toMatchObject({ localAccount: "$G", wsCompression: true, wsNoMasking: true, tlsRequired: true });
    expect(b.urls.map((u) => [u.scheme, u.host, u.path])).toEqual([
      ["ws", "127.0.0.1:2", "/path"],
      ["wss", "127.0.0.1:7422", ""],
    ]);
    // A tls:// scheme alone does not ask for TLS in 2.9.10; a tls block does (certificate optional).
    expect(c.tlsRequired).toBe(true);
    expect(c.tls).toMatchObject({ cert: "", key: "" });
    expect(c.tlsTimeoutMs).toBe(2000);
    expect(leafnodeProblem(lo, { accounts: ["A", "B", "$SYS"], operatorMode: false, systemAccountConfigured: false, gateway: false })).toBeNull();
  });

  test("a list of urls replaces, a string adds", () => {
    const lo = parse('leafnodes { remotes: [{urls: ["nats://a", "nats://b"], url: "nats://c"}] }');
    expect(lo.remotes[0]!.urls.map((u) => u.hostname)).toEqual(["a", "b", "c"]);
  });

  test("errors come back together as a ConfigError", () => {
    expect(() => parse("leafnodes { foo: 1, bar: 2 }")).toThrow(ConfigError);
  });

  test("a duplicate url is only a warning for a start", () => {
    const d = dir('leafnodes { remotes: [{urls: ["nats://h:1", "nats://h:1"]}] }');
    const { options } = loadConfig(join(d, "main.conf"));
    const warnings: string[] = [];
    expect(parseLeafnodeOptions(options, warnings)!.remotes[0]!.urls).toHaveLength(1);
    expect(warnings).toHaveLength(1);
  });
});

describe("urls and versions", () => {
  test("Go's url.Parse acceptance", () => {
    for (const ok of ["localhost", "localhost:7422", "nats://h:99999", "//h:1", "foo bar", "nats://h_x", "nats://[fe80::1%25en0]:1", "a/b:c"]) {
      expect(parseLeafURL(ok)).not.toBeNull();
    }
    for (const bad of ["127.0.0.1:7422", ":x", "nats://h:%zz", "nats://a%zzb", "nats://[::1", "nats://h:-1", "nats://a^b", "nats://h%41", "nats://h#%zz", "nats://h\x01"]) {
      expect(parseLeafURL(bad)).toBeNull();
    }
  });

  test("redacted form as 2.9.10 prints it", () => {
    const show = (s: string): string => redactedURL(parseLeafURL(s)!);
    expect(show("nats://u:p@h/a%41b?x=1")).toBe("nats://u:xxxxx@h:7422/a%41b?x=1");
    expect(show("wss://[::1]")).toBe("wss://[[::1]]:7422");
    expect(show("localhost:7422")).toBe("localhost:7422");
    expect(show("ws://h/a b")).toBe("ws://h:7422/a%20b");
  });

  test("min_version", () => {
    expect(minVersionProblem("2.8.0")).toBeNull();
    expect(minVersionProblem("v2.10.1-beta")).toBeNull();
    expect(minVersionProblem("3.0.0")).toBeNull();
    expect(minVersionProblem("2.8")).toBe(`invalid leafnode's minimum version: strconv.Atoi: parsing "": invalid syntax`);
    expect(minVersionProblem("1.9.9")).toBe("the minimum version should be at least 2.8.0");
  });
});
