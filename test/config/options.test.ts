import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError } from "../../src/config/errors.ts";
import { checkOptions, loadConfig, readConfigFile, type LoadedConfig } from "../../src/config/options.ts";
import { digestConf } from "../../src/config/digest.ts";
import { defaultOptions } from "../../src/config/types.ts";
import { withFiles } from "./helpers.ts";
import { createOperator } from "@nats-io/nkeys";

function load(text: string, name = "s.conf"): LoadedConfig {
  return loadConfig(join(withFiles({ [name]: text }), name));
}

/** The error lines, with the temp directory replaced by `<dir>`. */
function errorsOf(text: string, name = "s.conf"): string[] {
  const dir = withFiles({ [name]: text });
  try {
    loadConfig(join(dir, name));
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n").map((l) => l.replaceAll(dir, "<dir>"));
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("top-level options", () => {
  test("defaults when the file sets nothing relevant", () => {
    const { options } = load("# nothing\nsyslog: false");
    expect({ ...options, configFile: undefined, extra: {} }).toEqual({ ...defaultOptions(), configFile: undefined });
  });

  test("server basics", () => {
    const { options } = load(`
      port: 4333
      host: 127.0.0.1
      server_name: srv-1
      client_advertise: "example.com:4222"
      max_payload: 512KB
      max_control_line: 2KB
      max_pending: 10MB
      max_connections: 100
      max_subscriptions: 50
      max_sub_tokens: 16
      ping_interval: "30s"
      ping_max: 5
      write_deadline: "1h30m"
      debug: true
      trace: true
      logtime: false
      logtime_utc: true
      log_file: "/tmp/nats.log"
      pid_file: "/tmp/nats.pid"
      ports_file_dir: "/tmp"
      lame_duck_duration: "1m"
      lame_duck_grace_period: "5s"
      no_header_support: true
      disable_sublist_cache: true
      max_closed_clients: 5
      http_port: 8222
      https_port: 8443
      http_base_path: "/mon"
      no_auth_user: guest
      system_account: SYS
      no_system_account: true
    `);
    expect(options).toMatchObject({
      port: 4333,
      host: "127.0.0.1",
      serverName: "srv-1",
      clientAdvertise: "example.com:4222",
      maxPayload: 512 * 1024,
      maxControlLine: 2048,
      maxPending: 10 * 1024 * 1024,
      maxConnections: 100,
      maxSubscriptions: 50,
      maxSubTokens: 16,
      pingInterval: 30_000,
      pingMax: 5,
      writeDeadline: 5_400_000,
      debug: true,
      trace: true,
      logtime: false,
      logtimeUTC: true,
      logFile: "/tmp/nats.log",
      pidFile: "/tmp/nats.pid",
      portsFileDir: "/tmp",
      lameDuckDuration: 60_000,
      lameDuckGracePeriod: 5_000,
      noHeaderSupport: true,
      disableSublistCache: true,
      maxClosedClients: 5,
      httpPort: 8222,
      httpsPort: 8443,
      httpBasePath: "/mon",
      noAuthUser: "guest",
      systemAccount: "SYS",
      noSystemAccount: true,
    });
  });

  test("aliases", () => {
    const { options } = load(`
      net: 10.0.0.1
      max_conn: 7
      max_subs: 8
      max_subscription_tokens: 9
      logfile: a.log
      pidfile: a.pid
      monitor_port: 9000
      no_sublist_cache: true
      system: ACC
      no_sys_acc: true
    `);
    expect(options).toMatchObject({
      host: "10.0.0.1",
      maxConnections: 7,
      maxSubscriptions: 8,
      maxSubTokens: 9,
      logFile: "a.log",
      pidFile: "a.pid",
      httpPort: 9000,
      disableSublistCache: true,
      systemAccount: "ACC",
      noSystemAccount: true,
    });
    expect(load("no_system: true").options.noSystemAccount).toBe(true);
  });

  test("keys are case-insensitive; the last one wins", () => {
    expect(load("PORT: 1\nPort: 2\nDebug: true").options).toMatchObject({ port: 2, debug: true });
    expect(load("max_connections: 1\nmax_conn: 2").options.maxConnections).toBe(2);
  });

  test("listen: host:port, :port, [ipv6]:port or a bare port", () => {
    expect(load("listen: 127.0.0.1:4333").options).toMatchObject({ host: "127.0.0.1", port: 4333 });
    expect(load("listen: ':4334'").options).toMatchObject({ host: "0.0.0.0", port: 4334 });
    expect(load('listen: "[::1]:4335"').options).toMatchObject({ host: "::1", port: 4335 });
    expect(load("listen: 4336").options).toMatchObject({ host: "0.0.0.0", port: 4336 });
    expect(load("listen: 127.0.0.1:-1").options.port).toBe(-1);
  });

  test("http / https: host:port or port", () => {
    expect(load("http: 127.0.0.1:8222").options).toMatchObject({ httpHost: "127.0.0.1", httpPort: 8222 });
    expect(load("http: 8223").options).toMatchObject({ httpHost: undefined, httpPort: 8223 });
    expect(load("https: 0.0.0.0:8443").options).toMatchObject({ httpHost: "0.0.0.0", httpsPort: 8443 });
  });

  test("max_connections: 0 refuses everyone (-1)", () => {
    expect(load("max_connections: 0").options.maxConnections).toBe(-1);
  });

  test("trace_verbose turns trace on; trace_headers is kept in extra", () => {
    expect(load("trace_verbose: true").options).toMatchObject({ trace: true, traceVerbose: true });
    expect(load("trace_headers: true").options).toMatchObject({ trace: true, extra: { trace_headers: true } });
  });

  test("unquoted 2m is 2,000,000 seconds for ping_interval (with a warning)", () => {
    const { options, warnings } = load("ping_interval: 2m");
    expect(options.pingInterval).toBe(2_000_000_000);
    expect(warnings).toHaveLength(1);
  });

  test("integer durations are seconds, with nats-server's warning", () => {
    const dir = withFiles({ "w.conf": "write_deadline: 5\nping_interval: 3" });
    const { options, warnings } = loadConfig(join(dir, "w.conf"));
    expect(options).toMatchObject({ writeDeadline: 5000, pingInterval: 3000 });
    expect(warnings).toEqual([
      `${dir}/w.conf:1:0: invalid use of field "write_deadline": write_deadline should be converted to a duration`,
      `${dir}/w.conf:2:1: invalid use of field "ping_interval": ping_interval should be converted to a duration`,
    ]);
  });

  test("an empty file is only a warning", () => {
    const dir = withFiles({ "e.conf": "" });
    const { options, warnings } = loadConfig(join(dir, "e.conf"));
    expect(options.port).toBe(4222);
    expect(warnings).toEqual([`${dir}/e.conf: config has no values or is empty`]);
  });

  test("configFile is absolute", () => {
    expect(load("port 1").options.configFile).toStartWith("/");
  });

  test("a key only used as a variable is not an unknown field", () => {
    const { options } = load("TOKEN: s3cret\nauthorization { token: $TOKEN }\nPORT = 4333\nport: $PORT");
    expect(options.authorization).toEqual({ token: "s3cret" });
    expect(options.port).toBe(4333);
  });
});

describe("blocks and extras", () => {
  test("blocks are kept raw", () => {
    const { options } = load(`
      authorization { user: a, password: b }
      accounts { A { users [ {user: x} ] } }
      tls { cert_file: c.pem, key_file: k.pem }
      allow_non_tls: true
      ws { port: 8080 }
      leaf { port: 7422 }
      cluster { name: c, listen: 0.0.0.0:6222 }
      gateway { name: g }
      mqtt { port: 1883 }
      jetstream { store_dir: /tmp/js }
    `);
    expect(options).toMatchObject({
      authorization: { user: "a", password: "b" },
      accounts: { A: { users: [{ user: "x" }] } },
      tls: { cert_file: "c.pem", key_file: "k.pem" },
      allowNonTLS: true,
      websocket: { port: 8080 },
      leafnodes: { port: 7422 },
      cluster: { name: "c", listen: "0.0.0.0:6222" },
      gateway: { name: "g" },
      mqtt: { port: 1883 },
      jetstream: { store_dir: "/tmp/js" },
    });
  });

  test("accounts may be a list of names; jetstream a bool or enabled/disabled", () => {
    expect(load("accounts: [A, B]").options.accounts).toEqual(["A", "B"]);
    expect(load("jetstream: true").options.jetstream).toBe(true);
    expect(load("jetstream: disabled").options.jetstream).toBe("disabled");
  });

  test("known keys we do not act on go into extra under their main name", () => {
    const { options } = load(`
      syslog: true
      remote_syslog: "udp://localhost:514"
      logfile_size_limit: 1MB
      log_max_num: 3
      server_tags: [a, b]
      server_metadata { k: v }
      maps { foo: bar }
      storedir: /tmp/js
      connect_error_reports: 10
      reconnect_error_reports: 2
      max_traced_msg_len: 100
      write_timeout: close
      default_sentinel: jwt
      prof_port: 6060
    `);
    expect(options.extra).toEqual({
      syslog: true,
      remote_syslog: "udp://localhost:514",
      log_size_limit: 1048576,
      log_max_num: 3,
      server_tags: ["a", "b"],
      server_metadata: { k: "v" },
      mappings: { foo: "bar" },
      store_dir: "/tmp/js",
      connect_error_reports: 10,
      reconnect_error_reports: 2,
      max_traced_msg_len: 100,
      write_timeout: "close",
      default_sentinel: "jwt",
      prof_port: 6060,
    });
  });
});

describe("operator mode keys", () => {
  test("are read into `trust` under their main names (test/jwt/config.test.ts has the rest)", () => {
    const key = createOperator().getPublicKey();
    const { options } = load(`trusted_keys: "${key}"\nresolver: MEMORY\nresolver_pinned_accounts: [x]`);
    expect(options.extra).toEqual({});
    expect(options.trust).toEqual({ operators: [], trustedKeys: [key], resolver: { type: "memory" }, preload: null, pinned: ["x"] });
  });
});

describe("errors", () => {
  test("type errors use nats-server's interface conversion wording", () => {
    expect(errorsOf('port: "4222"\ndebug: "true"\nhost: 1\nmax_pending: 1.5\nauthorization: [1]\ntls: x')).toEqual([
      "<dir>/s.conf:1:0: interface conversion: interface {} is string, not int64",
      "<dir>/s.conf:2:1: interface conversion: interface {} is string, not bool",
      "<dir>/s.conf:3:1: interface conversion: interface {} is int64, not string",
      "<dir>/s.conf:4:1: interface conversion: interface {} is float64, not int64",
      "<dir>/s.conf:5:1: interface conversion: interface {} is []interface {}, not map[string]interface {}",
      "<dir>/s.conf:6:1: interface conversion: interface {} is string, not map[string]interface {}",
    ]);
  });

  test("unknown fields, all reported, in file order", () => {
    expect(errorsOf("foo: 1\nport: 1\n  Bar { x: 1 }")).toEqual([
      '<dir>/s.conf:1:0: unknown field "foo"',
      '<dir>/s.conf:3:3: unknown field "Bar"',
    ]);
  });

  test("warnings come first in the error message", () => {
    expect(errorsOf("ping_interval: 5\nfoo: 1")).toEqual([
      '<dir>/s.conf:1:0: invalid use of field "ping_interval": ping_interval should be converted to a duration',
      '<dir>/s.conf:2:1: unknown field "foo"',
    ]);
  });

  test("value checks", () => {
    const cases: [string, string][] = [
      ["listen: abc", 'could not parse address string "abc"'],
      ["listen: 'h:x'", 'could not parse port "x"'],
      ["listen: 1.5", "expected port or host:port, got float64"],
      ["http: true", "expected port or host:port, got bool"],
      ["max_payload: 3GB", "max_payload value is too big"],
      ["MAX_CONTROL_LINE: 3GB", "MAX_CONTROL_LINE value is too big"],
      ["max_sub_tokens: 256", "max_sub_tokens value is too big"],
      ["max_sub_tokens: 0", "max_sub_tokens value can not be negative"],
      ['ping_interval: "5x"', 'error parsing ping_interval: time: unknown unit "x" in duration "5x"'],
      ['write_deadline: "5"', 'error parsing write_deadline: time: missing unit in duration "5"'],
      ['lame_duck_duration: "10s"', "invalid lame_duck_duration of 10s, minimum is 30 seconds"],
      ["lame_duck_duration: 60", "interface conversion: interface {} is int64, not string"],
      ['lame_duck_grace_period: "-1s"', "invalid lame_duck_grace_period, needs to be positive"],
      ['lame_duck_grace_period: "x"', 'error parsing lame_duck_grace_period: time: invalid duration "x"'],
      ["system_account: 1", "system account name must be a string"],
      ["accounts: 1", "Expected accounts to be a map or an array, got int64"],
      ["cluster: 1", "Expected map to define cluster, got int64"],
      ["leafnodes: 1", "Expected map to define a leafnode, got int64"],
      ["websocket: 1", "Expected websocket to be a map, got int64"],
      ["gateway: 1", "Expected gateway to be a map, got int64"],
      ["mqtt: 1", "Expected mqtt to be a map, got int64"],
      ["jetstream: 1", "Expected map, bool or string to define JetStream, got int64"],
      ["jetstream: maybe", "Expected 'enabled' or 'disabled' for string value, got 'maybe'"],
      ["write_timeout: never", "write_timeout must be 'default', 'close' or 'retry'"],
      ["server_tags: 1", "error parsing server_tags: unsupported type int64"],
      ["syslog: 1", "interface conversion: interface {} is int64, not bool"],
    ];
    for (const [text, reason] of cases) expect(errorsOf(text)).toEqual([`<dir>/s.conf:1:0: ${reason}`]);
  });

  test("cross-option checks: max_payload <= max_pending, grace < duration", () => {
    expect(errorsOf("max_pending: 1KB\nmax_payload: 2KB")).toEqual([
      "<dir>/s.conf:2:1: max_payload (2048) cannot be higher than max_pending (1024)",
    ]);
    expect(errorsOf('lame_duck_duration: "30s"\nlame_duck_grace_period: "30s"')).toEqual([
      "<dir>/s.conf:2:1: lame duck grace period (30s) should be strictly lower than lame duck duration (30s)",
    ]);
  });

  test("checkOptions validates options built elsewhere", () => {
    // 2.9.10 takes spaces in server names.
    expect(checkOptions({ ...defaultOptions(), serverName: "a b" })).toEqual([]);
    expect(checkOptions({ ...defaultOptions(), maxPayload: 100, maxPending: 10 })).toEqual([
      "max_payload (100) cannot be higher than max_pending (10)",
    ]);
  });

  test("parse errors surface as a single located error", () => {
    expect(errorsOf("port: $NOPE_NOT_SET")).toEqual([
      "<dir>/s.conf:1:6: variable reference for 'NOPE_NOT_SET' on line 1 can not be found",
    ]);
  });
});

describe("toml", () => {
  test("a .toml file maps through the same options", () => {
    const { options } = load(
      `port = 4333\nhost = "127.0.0.1"\nping_interval = "30s"\nmax_payload = 2048\n\n[authorization]\nuser = "a"\npassword = "b"\n\n[[accounts.A.users]]\nuser = "x"\n`,
      "s.toml",
    );
    expect(options).toMatchObject({
      port: 4333,
      host: "127.0.0.1",
      pingInterval: 30_000,
      maxPayload: 2048,
      authorization: { user: "a", password: "b" },
      accounts: { A: { users: [{ user: "x" }] } },
    });
  });

  test("errors point at top-level keys", () => {
    expect(errorsOf('debug = true\n  port = "4222"\n[bogus]\nx = 1', "s.toml")).toEqual([
      "<dir>/s.toml:2:3: interface conversion: interface {} is string, not int64",
      '<dir>/s.toml:3:2: unknown field "bogus"',
    ]);
  });

  test("TOML syntax errors are located", () => {
    const [line] = errorsOf("port = = 1", "s.toml");
    expect(line).toMatch(/^<dir>\/s\.toml:1:\d+: /);
  });
});

describe("digest", () => {
  // The digest covers the parsed tree, whatever its keys mean.
  const digestFile = (path: string): string => digestConf(readConfigFile(path).root);
  const digestOf = (text: string): string => digestFile(join(withFiles({ "d.conf": text }), "d.conf"));

  test("matches nats-server's digest of the parsed tree", () => {
    // Reference digests from nats-server's conf tests (TestParseDigest).
    expect(digestOf("foo = bar\n")).toBe(
      "sha256:226e49e13d16e5e8aa0d62e58cd63361bf097d3e2b2444aa3044334628a2e8de",
    );
    const dir = withFiles({
      "main.conf": `accounts {\n foo { include 'foo.conf'}\n bar { users = [{user = "bar"}] }\n quux { include 'quux.conf'}\n}\n`,
      "foo.conf": ' users = [{user = "foo"}]',
      "quux.conf": ' users = [{user = "quux"}]',
    });
    expect(digestFile(join(dir, "main.conf"))).toBe(
      "sha256:e72d70c91b64b0f880f86decb95ec2600cbdcf8bdcd2355fce5ebc54a84a77e9",
    );
  });

  test("loadConfig returns it too; comments and syntax style do not change it", () => {
    const a = load("# c\nport = 4222\nhost: 'x'").digest;
    expect(load("{ port 4222, host \"x\" }").digest).toBe(a);
    expect(load("port = 4223\nhost: x").digest).not.toBe(a);
  });

  test("escapes like Go's encoding/json", () => {
    // {"a":"\u003c\u0026\u003e\n\u0001"} + "\n"
    const expected = new Bun.CryptoHasher("sha256").update('{"a":"\\u003c\\u0026\\u003e\\n\\u0001"}\n').digest("hex");
    expect(digestOf(String.raw`a = "<&>\n\x01"`)).toBe(`sha256:${expected}`);
  });
});
