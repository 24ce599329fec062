// Same file, same verdict: runs the reference nats-server (`-t`) on each case
// and checks our loader agrees on validity and, for errors, on the wording.
// Skipped when /usr/sbin/nats-server is not installed.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/config/options.ts";
import { withFiles } from "./helpers.ts";

const NATS_SERVER = "/usr/sbin/nats-server";

interface Verdict {
  valid: boolean;
  lines: string[];
}

function reference(dir: string): Verdict {
  const r = Bun.spawnSync([NATS_SERVER, "-t", "-c", "main.conf"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
  const text = r.stderr.toString().replace(/^nats-server: /, "").trim();
  return { valid: r.exitCode === 0, lines: text.split("\n").filter((l) => l !== "") };
}

/** Ours, with `-t` semantics: warnings fail the check too. */
function ours(dir: string): Verdict {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { warnings } = loadConfig("main.conf");
    return { valid: warnings.length === 0, lines: warnings };
  } catch (e) {
    if (e instanceof ConfigError) return { valid: false, lines: e.message.split("\n") };
    throw e;
  } finally {
    process.chdir(cwd);
  }
}

const VALID: Record<string, string | Record<string, string>> = {
  "separators and terminators": "port = 4222\nhost: 127.0.0.1; debug true, trace: false\n",
  comments: "# c\n// c\nport: 4222 # c\ndebug: true // c\n",
  "whole-file braces": '{\n  "port": 4222,\n  "http_port": 8222\n}\n',
  "quoted keys and strings": "'port': 4222\n\"server_name\": \"a\\tb\"\nlog_file: '/tmp/x y.log'\n",
  "booleans any case": "debug: YES\ntrace: Off\nlogtime: TRUE\n",
  "sizes": "max_payload: 1MB\nmax_pending: 64MB\nmax_control_line: 4KB\n",
  "durations": 'ping_interval: "2m"\nwrite_deadline: "1h30m"\nlame_duck_duration: "45s"\nlame_duck_grace_period: "5s"\n',
  "listen forms": "listen: 127.0.0.1:4333\nhttp: 8222\n",
  "ip-ish and digit-led strings": "client_advertise: 10.0.0.1:4222\nserver_name: 3srv\n",
  "variables": "PORT = 4333\nport: $PORT\nUSER = me\nauthorization { user: $USER, password: pw }\n",
  "block scoped variables": "authorization {\n  PASS = pw\n  users [ {user: a, password: $PASS} ]\n}\n",
  "bcrypt literal": "authorization { user: a, password: $2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy }\n",
  "raw block": "server_name (\nabc\n)\nport: 1\n",
  "maps without separator": "authorization {\n  users = [\n    {user: a, password: b}\n    {user: c, password: d}\n  ]\n}\n",
  "accounts": "accounts {\n  A { users [ {user: a, password: a} ] }\n  B: { users: [ {user: b, password: b} ] }\n}\nno_auth_user: a\n",
  "max_connections 0": "max_connections: 0\n",
  "includes": {
    "main.conf": "include sub/a.conf\nauthorization {\n  include 'sub/users.conf'\n}\n",
    "sub/a.conf": "port: 4333\n",
    "sub/users.conf": "users [ {user: x, password: y} ]\n",
  },
  "key used only as a variable": "TOKEN: s3cret\nauthorization { token: $TOKEN }\n",
  "duplicate keys": "port: 1\nport: 2\n",
  "extras": "syslog: false\nmax_traced_msg_len: 10\nserver_tags: [a, b]\nconnect_error_reports: 5\n",
  "blocks": "cluster { name: c, listen: 127.0.0.1:6222 }\nleafnodes { port: 7422 }\nwebsocket { port: 8080, no_tls: true }\n",
};

const INVALID: Record<string, string | Record<string, string>> = {
  "quoted int": 'port: "4222"\n',
  "quoted bool": 'debug: "true"\n',
  "unknown field": "port: 1\n   foo: 1\n",
  "several errors": "foo: 1\nport: x\n  bar: 2\n",
  "integer duration (warning fails -t)": "ping_interval: 5\n",
  "bad duration": 'write_deadline: "5x"\n',
  "short lame duck": 'lame_duck_duration: "10s"\n',
  "lame duck not a string": "lame_duck_duration: 60\n",
  "bad listen": "listen: abc\n",
  "bad listen port": "listen: 'h:x'\n",
  "listen float": "listen: 1.5\n",
  "max_payload too big": "max_payload: 3GB\n",
  "max_sub_tokens zero": "max_sub_tokens: 0\n",
  "bad escape": 'server_name: "\\q"\n',
  "float junk": "port: 1.5s\n",
  "negative junk": "port: -x\n",
  "unterminated map": "authorization {\n  user: a\n",
  "newline after separator": "port =\n4222\n",
  "missing variable": "port: $NATS_BUN_NO_SUCH_VAR\n",
  "variable in include not visible": { "main.conf": "P = 1\ninclude inc.conf\n", "inc.conf": "port: $P\n" },
  "missing include": "include nope.conf\n",
  "cluster not a map": "cluster: 1\n",
  "jetstream bad string": "jetstream: maybe\n",
  "tls not a map": "tls: x\n",
  "system account type": "system_account: 1\n",
};

function setup(files: string | Record<string, string>): string {
  return withFiles(typeof files === "string" ? { "main.conf": files } : files);
}

describe.skipIf(!existsSync(NATS_SERVER))("validity matches nats-server -t", () => {
  for (const [name, files] of Object.entries(VALID)) {
    test(`valid: ${name}`, () => {
      const dir = setup(files);
      expect(reference(dir)).toEqual({ valid: true, lines: [expect.stringContaining("is valid")] as never });
      expect(ours(dir)).toEqual({ valid: true, lines: [] });
    });
  }

  for (const [name, files] of Object.entries(INVALID)) {
    test(`invalid: ${name}`, () => {
      const dir = setup(files);
      const theirs = reference(dir);
      const mine = ours(dir);
      expect(theirs.valid).toBe(false);
      expect(mine.valid).toBe(false);
      // Same problems (nats-server's order is random); ours add a location
      // to messages nats-server prints without one.
      expect(mine.lines.length).toBe(theirs.lines.length);
      for (const line of theirs.lines) {
        expect(mine.lines.some((l) => l === line || l.endsWith(`: ${line}`) || l.includes(line))).toBe(true);
      }
    });
  }
});
