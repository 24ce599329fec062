// Command-line parsing with Go `flag` package rules, as nats-server uses:
// `-name` or `--name`, `-name=value` or `-name value` (not for booleans),
// parsing stops at the first non-flag argument or `--`.

import type { ServerOptions } from "./types.ts";

export { applyFlagOverrides } from "./overrides.ts";

export type CliAction = "run" | "check" | "version" | "help" | "help_tls" | "signal";

/** Options that flags set directly; only flags actually given are present. */
export type FlagOverrides = Partial<
  Pick<
    ServerOptions,
    | "port"
    | "host"
    | "serverName"
    | "clientAdvertise"
    | "debug"
    | "trace"
    | "traceVerbose"
    | "logtime"
    | "logtimeUTC"
    | "logFile"
    | "pidFile"
    | "portsFileDir"
    | "httpPort"
    | "httpsPort"
    | "username"
    | "password"
    | "authorizationToken"
  >
>;

export interface SignalRequest {
  /** stop, quit, term, reopen, reload or ldm (validated by the sender). */
  command: string;
  /** A pid, a pid file path, or a pid prefix ending in `*`; absent = find it. */
  pid?: string;
}

export interface CommandLine {
  action: CliAction;
  configFile?: string;
  signal?: SignalRequest;
  flags: FlagOverrides;
  /**
   * Flags that feed blocks or extras rather than a typed option, by their
   * long name: syslog, remote_syslog, log_size_limit, max_traced_msg_len,
   * profile, routes, cluster, cluster_name, cluster_advertise, no_advertise,
   * connect_retries, tls, tlsverify, tlscert, tlskey, tlscacert, jetstream,
   * store_dir.
   */
  other: Record<string, string | number | boolean>;
}

/** A command-line mistake; `showUsage` when nats-server would print usage. */
export class FlagError extends Error {
  constructor(
    message: string,
    readonly showUsage: boolean,
  ) {
    super(message);
    this.name = "FlagError";
  }
}

type FlagValue = string | number | boolean;

interface ParseState {
  cmd: CommandLine;
  show: Set<"help" | "version" | "help_tls">;
  check: boolean;
  signal?: string;
  /** -DV / -DVV / -VV, applied after the others as nats-server does. */
  combos: Map<string, boolean>;
}

interface FlagSpec {
  kind: "bool" | "int" | "string";
  set: (st: ParseState, v: FlagValue) => void;
}

function option(kind: FlagSpec["kind"], field: keyof FlagOverrides): FlagSpec {
  return { kind, set: (st, v) => ((st.cmd.flags as Record<string, FlagValue>)[field] = v) };
}

function other(kind: FlagSpec["kind"], name: string): FlagSpec {
  return { kind, set: (st, v) => (st.cmd.other[name] = v) };
}

function show(what: "help" | "version" | "help_tls"): FlagSpec {
  return { kind: "bool", set: (st, v) => (v ? st.show.add(what) : st.show.delete(what)) };
}

function combo(name: string): FlagSpec {
  return { kind: "bool", set: (st, v) => st.combos.set(name, v as boolean) };
}

const FLAG_GROUPS: [string[], FlagSpec][] = [
  [["h", "help"], show("help")],
  [["help_tls"], show("help_tls")],
  [["v", "version"], show("version")],
  [["p", "port"], option("int", "port")],
  [["n", "name", "server_name"], option("string", "serverName")],
  [["a", "addr", "net"], option("string", "host")],
  [["client_advertise"], option("string", "clientAdvertise")],
  [["D", "debug"], option("bool", "debug")],
  [["V", "trace"], option("bool", "trace")],
  [["VV"], combo("VV")],
  [["DV"], combo("DV")],
  [["DVV"], combo("DVV")],
  [["T", "logtime"], option("bool", "logtime")],
  [["logtime_utc"], option("bool", "logtimeUTC")],
  [["user"], option("string", "username")],
  [["pass"], option("string", "password")],
  [["auth"], option("string", "authorizationToken")],
  [["m", "http_port"], option("int", "httpPort")],
  [["ms", "https_port"], option("int", "httpsPort")],
  [["c", "config"], { kind: "string", set: (st, v) => (st.cmd.configFile = (v as string) || undefined) }],
  [["t"], { kind: "bool", set: (st, v) => (st.check = v as boolean) }],
  [["sl", "signal"], { kind: "string", set: (st, v) => (st.signal = (v as string) || undefined) }],
  [["P", "pid"], option("string", "pidFile")],
  [["ports_file_dir"], option("string", "portsFileDir")],
  [["l", "log"], option("string", "logFile")],
  [["log_size_limit"], other("int", "log_size_limit")],
  [["s", "syslog"], other("bool", "syslog")],
  [["r", "remote_syslog"], other("string", "remote_syslog")],
  [["profile"], other("int", "profile")],
  [["routes"], other("string", "routes")],
  [["cluster", "cluster_listen"], other("string", "cluster")],
  [["cluster_advertise"], other("string", "cluster_advertise")],
  [["no_advertise"], other("bool", "no_advertise")],
  [["connect_retries"], other("int", "connect_retries")],
  [["cluster_name"], other("string", "cluster_name")],
  [["tls"], other("bool", "tls")],
  [["tlsverify"], other("bool", "tlsverify")],
  [["tlscert"], other("string", "tlscert")],
  [["tlskey"], other("string", "tlskey")],
  [["tlscacert"], other("string", "tlscacert")],
  [["max_traced_msg_len"], other("int", "max_traced_msg_len")],
  [["js", "jetstream"], other("bool", "jetstream")],
  [["sd", "store_dir"], other("string", "store_dir")],
];

const FLAGS = new Map<string, FlagSpec>(FLAG_GROUPS.flatMap(([names, spec]) => names.map((n) => [n, spec] as const)));

/** strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** strconv.ParseInt(text, 0, 64): decimal, 0x, 0o, 0b or leading-0 octal. */
function parseGoInt(text: string): number | "parse error" | "value out of range" {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9]\d*)$/.exec(text);
  if (!m) return "parse error";
  let digits = m[2]!;
  if (/^0[0-7]/.test(digits)) digits = "0o" + digits.slice(1);
  const n = BigInt(digits) * (m[1] === "-" ? -1n : 1n);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return "value out of range";
  return Number(n);
}

function parseSignal(value: string): SignalRequest {
  const parts = value.split("=");
  if (parts.length > 2) throw new FlagError(`invalid signal parameters: [${parts.slice(2).join(" ")}]`, false);
  return parts[1] === undefined ? { command: parts[0]! } : { command: parts[0]!, pid: parts[1] };
}

/** Parses the arguments after the program name. Throws FlagError. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const st: ParseState = {
    cmd: { action: "run", flags: {}, other: {} },
    show: new Set(),
    check: false,
    combos: new Map(),
  };
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg.length < 2 || arg[0] !== "-") break;
    i++;
    if (arg === "--") break;
    let name = arg.slice(arg[1] === "-" ? 2 : 1);
    if (name === "" || name[0] === "-" || name[0] === "=") throw new FlagError(`bad flag syntax: ${arg}`, true);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = FLAGS.get(name);
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`, true);
    if (spec.kind === "bool") {
      const b = value === undefined ? true : parseGoBool(value);
      if (b === undefined) throw new FlagError(`invalid boolean value "${value}" for -${name}: parse error`, true);
      spec.set(st, b);
      continue;
    }
    if (value === undefined) {
      if (i >= args.length) throw new FlagError(`flag needs an argument: -${name}`, true);
      value = args[i++]!;
    }
    if (spec.kind === "string") {
      spec.set(st, value);
      continue;
    }
    const n = parseGoInt(value);
    if (typeof n !== "number") throw new FlagError(`invalid value "${value}" for flag -${name}: ${n}`, true);
    spec.set(st, n);
  }
  applyCombos(st);
  st.cmd.action = chooseAction(st, args.slice(i));
  return st.cmd;
}

function applyCombos(st: ParseState): void {
  const flags = st.cmd.flags;
  for (const [name, v] of [...st.combos].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name !== "VV") flags.debug = v;
    flags.trace = v;
    if (name !== "DV") flags.traceVerbose = v;
  }
}

function chooseAction(st: ParseState, positional: string[]): CliAction {
  for (const what of ["version", "help", "help_tls"] as const) if (st.show.has(what)) return what;
  if (positional.length > 0) {
    const word = positional[0]!.toLowerCase();
    if (word === "version" || word === "help") return word;
    throw new FlagError(`unrecognized command: ${JSON.stringify(positional[0])}`, false);
  }
  if (st.signal !== undefined) {
    st.cmd.signal = parseSignal(st.signal);
    return "signal";
  }
  if (st.check) {
    if (!st.cmd.configFile) {
      throw new FlagError("must specify [-c, --config] option to check configuration file syntax", false);
    }
    return "check";
  }
  return "run";
}

export const USAGE = `
Usage: nats-server [options]

Server Options:
    -a, --addr, --net <host>         Address to bind client connections to (default: 0.0.0.0)
    -p, --port <port>                Client port, -1 for a random one (default: 4222)
    -n, --name
        --server_name <server_name>  Name of this server (default: generated)
    -P, --pid <file>                 Write the process id to this file
    -m, --http_port <port>           Serve HTTP monitoring on this port
    -ms,--https_port <port>          Serve HTTPS monitoring on this port
    -c, --config <file>              Read options from this configuration file
    -t                               Check the configuration file and exit
    -sl,--signal <signal>[=<pid>]    Signal a running server (ldm, stop, quit, term, reopen, reload)
                                     <pid> is a process id or a pid file path
        --client_advertise <string>  Client URL other servers advertise for this one
        --ports_file_dir <dir>       Write <executable_name>_<pid>.ports into this directory

Logging Options:
    -l, --log <file>                 Log to this file instead of stderr
    -T, --logtime                    Prefix log lines with a timestamp (default: true)
        --logtime_utc                Log timestamps in UTC rather than local time
    -s, --syslog                     Log to the system log
    -r, --remote_syslog <addr>       Log to a remote syslog server (udp://localhost:514)
    -D, --debug                      Log debug messages
    -V, --trace                      Log protocol traffic
    -VV                              Verbose tracing (includes the system account)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace (includes the system account)
        --log_size_limit <limit>     Rotate the log file at this size (default: no rotation)
        --max_traced_msg_len <len>   Longest message payload shown in traces (default: no limit)

JetStream Options:
    -js, --jetstream                 Enable JetStream
    -sd, --store_dir <dir>           JetStream storage directory

Authorization Options:
        --user <user>                Username clients must present
        --pass <password>            Password clients must present
        --auth <token>               Token clients must present

TLS Options:
        --tls                        Serve clients over TLS without verifying them (default: false)
        --tlscert <file>             Server certificate
        --tlskey <file>              Server certificate private key
        --tlsverify                  Serve clients over TLS and verify their certificates
        --tlscacert <file>           CA used to verify client certificates

Cluster Options:
        --routes <rurl-1, rurl-2>    Route URLs to connect to
        --cluster <cluster-url>      URL to accept route connections on
        --cluster_name <string>      Cluster name (default: generated)
        --no_advertise <bool>        Do not tell clients about other cluster members
        --cluster_advertise <string> Cluster URL advertised to other servers
        --connect_retries <number>   Connection retries for implicit routes
        --cluster_listen <url>       Same as --cluster

Profiling Options:
        --profile <port>             Serve profiling data over HTTP on this port

Common Options:
    -h, --help                       Print this text
    -v, --version                    Print the version
        --help_tls                   Print TLS help
`;
