import { describe, expect, test } from "bun:test";
import { diffOptions, reloadNotice } from "../../src/config/reload.ts";
import { defaultOptions, type ServerOptions } from "../../src/config/types.ts";

const base = (over: Partial<ServerOptions> = {}): ServerOptions => ({ ...defaultOptions(), ...over });

describe("diffOptions", () => {
  test("no change", () => {
    expect(diffOptions(base(), base())).toEqual({ changed: [] });
  });

  test("reloadable options are listed by conf key", () => {
    const d = diffOptions(
      base(),
      base({
        debug: true,
        trace: true,
        traceVerbose: true,
        logtime: false,
        logtimeUTC: true,
        logFile: "x.log",
        pidFile: "x.pid",
        portsFileDir: "/tmp",
        maxConnections: 5,
        maxControlLine: 100,
        maxPayload: 100,
        pingInterval: 1000,
        pingMax: 9,
        writeDeadline: 1000,
        clientAdvertise: "x:1",
      }),
    );
    expect(d.error).toBeUndefined();
    expect(d.changed.sort()).toEqual(
      [
        "client_advertise",
        "debug",
        "log_file",
        "logtime",
        "logtime_utc",
        "max_connections",
        "max_control_line",
        "max_payload",
        "pid_file",
        "ping_interval",
        "ping_max",
        "ports_file_dir",
        "trace",
        "trace_verbose",
        "write_deadline",
      ].sort(),
    );
  });

  test("auth, accounts and tls blocks are reloadable", () => {
    const d = diffOptions(
      base({ authorization: { user: "a" } }),
      base({ authorization: { user: "b" }, accounts: { A: {} }, tls: { cert_file: "c" }, username: "u" }),
    );
    expect(d).toEqual({ changed: ["authorization", "accounts", "tls"] });
  });

  test("non-reloadable options refuse the reload with Go field names", () => {
    const cases: [Partial<ServerOptions>, Partial<ServerOptions>, string][] = [
      [{ port: 4222 }, { port: 4333 }, "config reload not supported for Port: old=4222, new=4333"],
      [{}, { host: "127.0.0.1" }, "config reload not supported for Host: old=0.0.0.0, new=127.0.0.1"],
      [{ serverName: "a" }, { serverName: "b" }, "config reload not supported for ServerName: old=a, new=b"],
      [{}, { httpPort: 8222 }, "config reload not supported for HTTPPort: old=0, new=8222"],
      [{}, { httpsPort: 8443 }, "config reload not supported for HTTPSPort: old=0, new=8443"],
      [{}, { maxPending: 1 }, "config reload not supported for MaxPending: old=67108864, new=1"],
      [{}, { maxSubscriptions: 1 }, "config reload not supported for MaxSubs: old=0, new=1"],
      [{}, { disableSublistCache: true }, "config reload not supported for NoSublistCache: old=false, new=true"],
      [{}, { lameDuckDuration: 60_000 }, "config reload not supported for LameDuckDuration: old=2m0s, new=1m0s"],
      [{}, { noAuthUser: "u" }, "config reload not supported for NoAuthUser: old=, new=u"],
      [{ systemAccount: "A" }, { systemAccount: "B" }, "config reload not supported for SystemAccount: old=A, new=B"],
      [{}, { extra: { log_size_limit: 5 } }, "config reload not supported for LogSizeLimit: old=, new=5"],
      [{}, { extra: { prof_port: 5 } }, "config reload not supported for ProfPort: old=, new=5"],
    ];
    for (const [a, b, error] of cases) expect(diffOptions(base(a), base(b))).toEqual({ changed: [], error });
  });

  test("a random port on reload keeps the bound one", () => {
    expect(diffOptions(base({ port: 4222 }), base({ port: -1 }))).toEqual({ changed: [] });
  });

  test("no_auth_user may be removed when its user is gone", () => {
    const old = base({ noAuthUser: "u", authorization: { users: [{ user: "u" }] } });
    expect(diffOptions(old, base({ authorization: { users: [{ user: "v" }] } })).error).toBeUndefined();
    expect(diffOptions(old, base({ authorization: { users: [{ user: "u" }] } })).error).toBe(
      "config reload not supported for NoAuthUser: old=u, new=",
    );
  });

  test("system account: only going back to the default is allowed", () => {
    expect(diffOptions(base({ systemAccount: "$SYS" }), base())).toEqual({ changed: [] });
    expect(diffOptions(base(), base({ systemAccount: "SYS" })).error).toBe(
      "config reload not supported for SystemAccount: old=, new=SYS",
    );
  });

  test("cluster: listen address is fixed, the rest reloads", () => {
    const old = base({ cluster: { listen: "0.0.0.0:6222", routes: ["nats://a:1"] } });
    // Allowed; the route code applies and logs it (src/route/reload.ts), not the generic "Reloaded:" line.
    expect(diffOptions(old, base({ cluster: { listen: "0.0.0.0:6222", routes: [] } }))).toEqual({ changed: [] });
    expect(diffOptions(old, base({ cluster: { listen: "0.0.0.0:6333" } })).error).toBe(
      "config reload not supported for cluster port: old=6222, new=6333",
    );
    expect(diffOptions(old, base({ cluster: { host: "127.0.0.1", port: 6222 } })).error).toBe(
      "config reload not supported for cluster host: old=0.0.0.0, new=127.0.0.1",
    );
  });

  test("gateway, websocket, leafnodes and mqtt accept only some changes", () => {
    expect(diffOptions(base({ gateway: { name: "a" } }), base({ gateway: { name: "b" } })).error).toStartWith(
      "config reload not supported for Gateway: ",
    );
    expect(diffOptions(base({ websocket: { port: 1 } }), base({ websocket: { port: 1, tls: {} } })).changed).toEqual([
      "websocket",
    ]);
    expect(diffOptions(base({ websocket: { port: 1 } }), base({ websocket: { port: 2 } })).error).toStartWith(
      "config reload not supported for Websocket: ",
    );
    expect(diffOptions(base({ leafnodes: { port: 1 } }), base({ leafnodes: { port: 1, remotes: [] } })).changed).toEqual([
      "leafnodes",
    ]);
    expect(diffOptions(base({ leafnodes: { port: 1 } }), base({ leafnodes: { port: 2 } })).error).toBe(
      'config reload not supported for LeafNode: field "port": old=1, new=2',
    );
    expect(diffOptions(base({ mqtt: { port: 1 } }), base({ mqtt: { port: 1, ack_wait: "1m" } })).changed).toEqual([
      "mqtt",
    ]);
    expect(diffOptions(base({ mqtt: { port: 1 } }), base({ mqtt: { port: 2 } })).error).toStartWith(
      "config reload not supported for MQTT: ",
    );
  });

  test("jetstream: enable/disable reloads; store dir and shrinking limits do not", () => {
    expect(diffOptions(base(), base({ jetstream: true })).changed).toEqual(["jetstream"]);
    expect(diffOptions(base({ jetstream: { store_dir: "/a" } }), base({ jetstream: { store_dir: "/b" } })).error).toBe(
      "config reload not supported for jetstream storage directory",
    );
    expect(
      diffOptions(base({ jetstream: { max_mem: 2000 } }), base({ jetstream: { max_mem: 1000 } })).error,
    ).toBe("config reload not supported for decreasing jetstream max memory and store");
    expect(diffOptions(base({ jetstream: { max_mem: 1000 } }), base({ jetstream: { max_mem: 2000 } })).changed).toEqual([
      "jetstream",
    ]);
  });

  test("extras: reloadable ones are listed", () => {
    expect(diffOptions(base(), base({ extra: { syslog: true, max_traced_msg_len: 5, mappings: {} } })).changed).toEqual([
      "syslog",
      "max_traced_msg_len",
      "accounts",
    ]);
  });

  test("operator mode: the resolver cannot come or go, the operator and trusted keys not change", () => {
    const trust = (t: Partial<NonNullable<ServerOptions["trust"]>>): Partial<ServerOptions> => ({
      trust: { operators: [], trustedKeys: null, resolver: null, preload: null, pinned: null, ...t },
    });
    expect(diffOptions(base(), base(trust({ resolver: { type: "memory" } }))).error).toBe(
      "config reload does not support moving to or from an account resolver",
    );
    expect(
      diffOptions(base(trust({ resolver: { type: "memory" } })), base(trust({ resolver: { type: "memory" }, preload: { A: "x" } }))).changed,
    ).toEqual(["accounts"]);
    expect(diffOptions(base(trust({ trustedKeys: ["O1"] })), base(trust({ trustedKeys: ["O2"] }))).error).toBe(
      "config reload not supported for TrustedKeys: old=[O1], new=[O2]",
    );
  });
});

describe("reloadNotice", () => {
  test("renders values the way nats-server logs them", () => {
    const o = base({ trace: true, pingInterval: 90_000, maxPayload: 2048, logFile: "x.log", extra: { syslog: true } });
    expect(reloadNotice("trace", o)).toBe("Reloaded: trace = true");
    expect(reloadNotice("ping_interval", o)).toBe("Reloaded: ping_interval = 1m30s");
    expect(reloadNotice("max_payload", o)).toBe("Reloaded: max_payload = 2048");
    expect(reloadNotice("log_file", o)).toBe("Reloaded: log_file = x.log");
    expect(reloadNotice("syslog", o)).toBe("Reloaded: syslog = true");
    expect(reloadNotice("authorization", o)).toBe("Reloaded: authorization");
    expect(reloadNotice("tls", o)).toBe("Reloaded: tls");
  });
});
