import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/errors.ts";
import { applyFlagOverrides, FlagError, parseCommandLine, USAGE } from "../../src/config/flags.ts";
import { defaultOptions, type ServerOptions } from "../../src/config/types.ts";

function flagError(args: string[]): FlagError {
  try {
    parseCommandLine(args);
  } catch (e) {
    if (e instanceof FlagError) return e;
    throw e;
  }
  throw new Error("expected a FlagError");
}

describe("parseCommandLine", () => {
  test("no arguments: run with nothing overridden", () => {
    expect(parseCommandLine([])).toEqual({ action: "run", flags: {}, other: {} });
  });

  test("single or double dash, separate or = values", () => {
    const cl = parseCommandLine(["-p", "4333", "--addr=127.0.0.1", "--name", "srv", "-m=8222", "--ms", "8443"]);
    expect(cl.flags).toEqual({ port: 4333, host: "127.0.0.1", serverName: "srv", httpPort: 8222, httpsPort: 8443 });
  });

  test("every option flag and its aliases", () => {
    const cl = parseCommandLine([
      "-a", "h1", "-n", "n1", "-P", "p.pid", "-l", "x.log", "--client_advertise", "ca:1",
      "--ports_file_dir", "/tmp", "--user", "u", "--pass", "pw", "--auth", "tok", "--logtime_utc",
      "-D", "-V", "-T=false",
    ]);
    expect(cl.flags).toEqual({
      host: "h1",
      serverName: "n1",
      pidFile: "p.pid",
      logFile: "x.log",
      clientAdvertise: "ca:1",
      portsFileDir: "/tmp",
      username: "u",
      password: "pw",
      authorizationToken: "tok",
      logtimeUTC: true,
      debug: true,
      trace: true,
      logtime: false,
    });
    expect(parseCommandLine(["--net", "h", "--server_name", "s", "--pid", "f", "--log", "l"]).flags).toEqual({
      host: "h",
      serverName: "s",
      pidFile: "f",
      logFile: "l",
    });
    expect(parseCommandLine(["--port=-1", "--http_port", "0x10", "--https_port", "010"]).flags).toEqual({
      port: -1,
      httpPort: 16,
      httpsPort: 8,
    });
  });

  test("-VV, -DV and -DVV", () => {
    expect(parseCommandLine(["-VV"]).flags).toEqual({ trace: true, traceVerbose: true });
    expect(parseCommandLine(["-DV"]).flags).toEqual({ debug: true, trace: true });
    expect(parseCommandLine(["-DVV"]).flags).toEqual({ debug: true, trace: true, traceVerbose: true });
    expect(parseCommandLine(["--debug", "--trace", "-DV=false"]).flags).toEqual({ debug: false, trace: false });
  });

  test("booleans take a value only with =", () => {
    expect(parseCommandLine(["-D=true", "-T=0", "--logtime_utc=F"]).flags).toEqual({
      debug: true,
      logtime: false,
      logtimeUTC: false,
    });
    expect(flagError(["-T", "false"]).message).toBe('unrecognized command: "false"');
  });

  test("flags nats-server has that feed blocks/extras are kept by long name", () => {
    const cl = parseCommandLine([
      "-s", "-r", "udp://h:514", "--log_size_limit", "1000", "--max_traced_msg_len", "64",
      "--routes", "nats://a:6222", "--cluster_listen", "nats://0.0.0.0:6222", "--cluster_name", "c",
      "--cluster_advertise", "x:1", "--no_advertise", "--connect_retries", "3", "--profile", "6060",
      "--tls", "--tlscert", "c.pem", "--tlskey", "k.pem", "--tlscacert", "ca.pem", "--tlsverify",
      "-js", "-sd", "/tmp/js",
    ]);
    expect(cl.other).toEqual({
      syslog: true,
      remote_syslog: "udp://h:514",
      log_size_limit: 1000,
      max_traced_msg_len: 64,
      routes: "nats://a:6222",
      cluster: "nats://0.0.0.0:6222",
      cluster_name: "c",
      cluster_advertise: "x:1",
      no_advertise: true,
      connect_retries: 3,
      profile: 6060,
      tls: true,
      tlscert: "c.pem",
      tlskey: "k.pem",
      tlscacert: "ca.pem",
      tlsverify: true,
      jetstream: true,
      store_dir: "/tmp/js",
    });
    expect(cl.flags).toEqual({});
  });

  test("actions", () => {
    expect(parseCommandLine(["-c", "x.conf"])).toMatchObject({ action: "run", configFile: "x.conf" });
    expect(parseCommandLine(["-t", "--config", "x.conf"])).toMatchObject({ action: "check", configFile: "x.conf" });
    expect(parseCommandLine(["-v"]).action).toBe("version");
    expect(parseCommandLine(["--version"]).action).toBe("version");
    expect(parseCommandLine(["-h"]).action).toBe("help");
    expect(parseCommandLine(["--help"]).action).toBe("help");
    expect(parseCommandLine(["--help_tls"]).action).toBe("help_tls");
    expect(parseCommandLine(["version"]).action).toBe("version");
    expect(parseCommandLine(["-p", "1", "HELP"]).action).toBe("help");
    expect(parseCommandLine(["-v", "-h"]).action).toBe("version");
  });

  test("--signal / -sl with an optional pid or pid file", () => {
    expect(parseCommandLine(["--signal", "reload"])).toMatchObject({ action: "signal", signal: { command: "reload" } });
    expect(parseCommandLine(["-sl", "ldm=123"]).signal).toEqual({ command: "ldm", pid: "123" });
    expect(parseCommandLine(["-sl=stop=/run/nats.pid"]).signal).toEqual({ command: "stop", pid: "/run/nats.pid" });
    expect(parseCommandLine(["-t", "-sl", "quit"]).action).toBe("signal");
    expect(flagError(["-sl", "stop=1=2=3"]).message).toBe("invalid signal parameters: [2 3]");
  });

  test("parsing stops at the first non-flag argument or --", () => {
    expect(flagError(["-p", "1", "foo", "-D"]).message).toBe('unrecognized command: "foo"');
    expect(flagError(["--", "-D"]).message).toBe('unrecognized command: "-D"');
    expect(flagError(["-"]).message).toBe('unrecognized command: "-"');
  });

  test("errors with Go flag wording", () => {
    expect(flagError(["-x"])).toMatchObject({ message: "flag provided but not defined: -x", showUsage: true });
    expect(flagError(["--nope=1"]).message).toBe("flag provided but not defined: -nope");
    expect(flagError(["-p"]).message).toBe("flag needs an argument: -p");
    expect(flagError(["-p", "abc"]).message).toBe('invalid value "abc" for flag -p: parse error');
    expect(flagError(["-p", "99999999999999999999"]).message).toBe(
      'invalid value "99999999999999999999" for flag -p: value out of range',
    );
    expect(flagError(["-D=maybe"]).message).toBe('invalid boolean value "maybe" for -D: parse error');
    expect(flagError(["---p"]).message).toBe("bad flag syntax: ---p");
    expect(flagError(["-=1"]).message).toBe("bad flag syntax: -=1");
    expect(flagError(["-t"])).toMatchObject({
      message: "must specify [-c, --config] option to check configuration file syntax",
      showUsage: false,
    });
  });

  test("the usage text lists every flag", () => {
    for (const flag of ["--addr", "--port", "--server_name", "--pid", "--http_port", "--https_port", "--config",
      "-t ", "--signal", "--client_advertise", "--ports_file_dir", "--log ", "--logtime", "--logtime_utc",
      "--syslog", "--remote_syslog", "--debug", "--trace", "-VV", "-DV", "-DVV", "--log_size_limit",
      "--max_traced_msg_len", "--jetstream", "--store_dir", "--user", "--pass", "--auth", "--tls ", "--tlscert",
      "--tlskey", "--tlsverify", "--tlscacert", "--routes", "--cluster ", "--cluster_name", "--no_advertise",
      "--cluster_advertise", "--connect_retries", "--cluster_listen", "--profile", "--help", "--version",
      "--help_tls"]) {
      expect(USAGE).toContain(flag);
    }
  });
});

describe("applyFlagOverrides", () => {
  test("given flags win over file values, others stay", () => {
    const opts = { ...defaultOptions(), port: 1, debug: true, logFile: "file.log" };
    applyFlagOverrides(opts, parseCommandLine(["-p", "2", "-D=false", "--user", "u"]));
    expect(opts).toMatchObject({ port: 2, debug: false, logFile: "file.log", username: "u" });
  });

  test("extras and jetstream", () => {
    const opts = { ...defaultOptions(), jetstream: { store_dir: "/x" } };
    applyFlagOverrides(opts, parseCommandLine(["-s", "--max_traced_msg_len", "5", "-js", "-sd", "/y", "--profile", "1"]));
    expect(opts.extra).toEqual({ syslog: true, max_traced_msg_len: 5, store_dir: "/y", prof_port: 1 });
    expect(opts.jetstream).toEqual({ store_dir: "/x" });
    const off = { ...defaultOptions(), jetstream: true };
    applyFlagOverrides(off, parseCommandLine(["-js=false"]));
    expect(off.jetstream).toBe(false);
  });

  test("cluster flags edit the cluster block", () => {
    const opts: ServerOptions = { ...defaultOptions(), cluster: { name: "file", listen: "0.0.0.0:6222", authorization: { user: "a", password: "b", timeout: 2 } } };
    applyFlagOverrides(
      opts,
      parseCommandLine(["--cluster", "nats://u:p@127.0.0.1:7222", "--cluster_name", "flag", "--routes", "nats://a:1, nats://b:2"]),
    );
    // The file's listen stays (its errors still count); host and port come after it and win.
    expect(opts.cluster).toEqual({
      name: "flag",
      listen: "0.0.0.0:6222",
      host: "127.0.0.1",
      port: 7222,
      authorization: { user: "u", password: "p", timeout: 2 },
      routes: ["nats://a:1", "nats://b:2"],
    });
    const random = defaultOptions();
    applyFlagOverrides(random, parseCommandLine(["--cluster", "nats://0.0.0.0:-1"]));
    expect(random.cluster).toEqual({ host: "0.0.0.0", port: -1 });
  });

  test("routes need a cluster listener", () => {
    const opts = defaultOptions();
    expect(() => applyFlagOverrides(opts, parseCommandLine(["--routes", "nats://a:1"]))).toThrow(
      "solicited routes require cluster capabilities, e.g. --cluster",
    );
    const withBlock: ServerOptions = { ...defaultOptions(), cluster: { port: 6222 } };
    applyFlagOverrides(withBlock, parseCommandLine(["--routes", "nats://a:1"]));
    expect(withBlock.cluster).toEqual({ port: 6222, routes: ["nats://a:1"] });
  });

  test("a cluster URL user needs a password", () => {
    expect(() => applyFlagOverrides(defaultOptions(), parseCommandLine(["--cluster", "nats://u@h:1"]))).toThrow(
      "expected cluster password to be set",
    );
  });

  test("tls flags replace the tls block; --tls=false removes it", () => {
    const opts: ServerOptions = { ...defaultOptions(), tls: { cert_file: "old" } };
    applyFlagOverrides(opts, parseCommandLine(["--tlscert", "c", "--tlskey", "k", "--tlsverify"]));
    expect(opts.tls).toEqual({ cert_file: "c", key_file: "k", verify: true });
    applyFlagOverrides(opts, parseCommandLine(["--tls=false"]));
    expect(opts.tls).toBeUndefined();
    expect(() => applyFlagOverrides(defaultOptions(), parseCommandLine(["--tls"]))).toThrow(
      "TLS Server certificate must be present and valid",
    );
    expect(() => applyFlagOverrides(defaultOptions(), parseCommandLine(["--tlscert", "c"]))).toThrow(
      "TLS Server private key must be present and valid",
    );
  });

  test("option rules are checked after flags", () => {
    const o = { ...defaultOptions(), maxPending: 10 };
    expect(() => applyFlagOverrides(o, parseCommandLine(["-n", "a b"]))).toThrow(ConfigError);
  });
});
