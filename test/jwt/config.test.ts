// Operator-mode configs against nats-server 2.9.10: what `-t` says about the
// file (operator JWT files, resolver forms, preloads, trusted keys) and what
// stops a start (no resolver usable, accounts or users beside an operator,
// system account problems, an account server that does not answer), with
// the same words. Directory resolvers are read like nats-server reads them
// but refused at start.

import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createAccount, createOperator, encodeAccount, encodeOperator, encodeUser, createUser } from "@nats-io/jwt";
import { tempDir } from "../helpers/conf.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer } from "../helpers/servers.ts";
import { UNLIMITED } from "./fixture.ts";

interface Env {
  op: string;
  opJwt: string;
  sys: string;
  sysJwt: string;
  a: string;
  aJwt: string;
  expiredJwt: string;
  userJwt: string;
}
let env: Env;

beforeAll(async () => {
  const op = createOperator();
  const sys = createAccount();
  const a = createAccount();
  const now = Math.floor(Date.now() / 1000);
  env = {
    op: op.getPublicKey(),
    opJwt: await encodeOperator("OP", op, { system_account: sys.getPublicKey() }),
    sys: sys.getPublicKey(),
    sysJwt: await encodeAccount("SYS", sys, { limits: UNLIMITED }, { signer: op }),
    a: a.getPublicKey(),
    aJwt: await encodeAccount("A", a, { limits: UNLIMITED }, { signer: op }),
    expiredJwt: await encodeAccount("E", a, { limits: UNLIMITED }, { signer: op, exp: now - 5 }),
    userJwt: await encodeUser("u", createUser(), a),
  };
});

/** A directory with op.jwt (the operator, with a system account) and main.conf. */
function dir(conf: (e: Env) => string): string {
  const d = tempDir("nats-bun-opconf-");
  writeFileSync(join(d, "op.jwt"), env.opJwt);
  writeFileSync(join(d, "decorated.jwt"), `-----BEGIN NATS OPERATOR JWT-----\n${env.opJwt}\n------END NATS OPERATOR JWT------\n`);
  writeFileSync(join(d, "main.conf"), `${conf(env)}\n`);
  return d;
}

const preloadSys = (e: Env): string => `resolver_preload { ${e.sys}: "${e.sysJwt}" }`;

/** `-t` output lines without the program name, the digest or the "is valid" line's path. */
function check(bin: string, cwd: string): { code: number; lines: string[] } {
  const r = Bun.spawnSync([bin, "-t", "-c", "main.conf"], { cwd, env: { PATH: "/usr/bin:/bin" } });
  const lines = r.stderr
    .toString()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/^[^:]+: /, "").replace(/ \(sha256:[0-9a-f]+\)$/, ""));
  return { code: r.exitCode ?? -1, lines };
}

/** How a start ends: the error line, or "started". */
async function start(bin: string, cwd: string): Promise<string> {
  try {
    const s = await startServer(["-c", "main.conf"], { bin, cwd });
    await s.stop();
    return "started";
  } catch (e) {
    // The log's last line: `<program>: <error>`.
    const last = (e as Error).message.trim().split("\n").at(-1) ?? "";
    return last.replace(/^[^:]+: /, "");
  }
}

const VALID = "configuration file main.conf is valid";

const CHECKED: Array<[string, (e: Env) => string]> = [
  ["operator file, MEMORY resolver, preload", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}`],
  ["a decorated operator file", (e) => `operator: decorated.jwt\nresolver: MEM\n${preloadSys(e)}`],
  ["an inline operator JWT", (e) => `operator: "${e.opJwt}"\nresolver: MEMORY\n${preloadSys(e)}`],
  ["an operator file that is not there", () => "operator: nothere.jwt\nresolver: MEMORY"],
  ["a list of operators (refused by 2.9.10's parser)", () => "operator: [op.jwt, op.jwt]\nresolver: MEMORY"],
  ["an operator of the wrong type", () => "operator: 5"],
  ["a truncated inline JWT", () => 'operator: "eyJhbGciOi"\nresolver: MEMORY'],
  ["an account JWT as operator", (e) => `operator: "${e.sysJwt}"\nresolver: MEMORY`],
  ["an unknown resolver", () => "operator: op.jwt\nresolver: FOO"],
  ["a resolver of the wrong type", () => "operator: op.jwt\nresolver: 5"],
  ["a resolver block without dir", () => "operator: op.jwt\nresolver { type: cache }"],
  ["a resolver block of an unknown type", () => 'operator: op.jwt\nresolver { type: bogus, dir: "/tmp" }'],
  ["a URL resolver", () => 'operator: op.jwt\nresolver: URL("http://127.0.0.1:9/jwt/v1/accounts/")'],
  ["a preload that is not a map", () => "operator: op.jwt\nresolver: MEMORY\nresolver_preload: 5"],
  ["a preload value that is not a string", (e) => `operator: op.jwt\nresolver: MEMORY\nresolver_preload { ${e.a}: 5 }`],
  ["a preload value that is not an account JWT", (e) => `operator: op.jwt\nresolver: MEMORY\nresolver_preload { ${e.a}: "${e.userJwt}" }`],
  ["trusted keys", (e) => `trusted_keys: [ ${e.op} ]\nresolver: MEMORY`],
  ["a bad trusted key", () => "trusted_keys: [ foo ]\nresolver: MEMORY"],
  ["trusted of the wrong type", () => "operator: op.jwt\nresolver: MEMORY\ntrusted: 5"],
  ["a full resolver with every option", (e) => `operator: op.jwt\nresolver { type: full, dir: "./jwt", allow_delete: true, limit: 5, interval: "2m", timeout: "2s" }\n${preloadSys(e)}`],
  ["a full resolver with a ttl", () => 'operator: op.jwt\nresolver { type: full, dir: "./jwt", ttl: "1m" }'],
  ["a cache resolver with an interval and allow_delete", () => 'operator: op.jwt\nresolver { type: cache, dir: "./jwt", interval: "1m", allow_delete: true }'],
  ["a resolver block with a bad duration", () => 'operator: op.jwt\nresolver { type: full, dir: "./jwt", timeout: "bogus" }'],
  ["a resolver dir that is a file", () => 'operator: op.jwt\nresolver { type: full, dir: "./op.jwt" }'],
];

describe.skipIf(!haveReference)("same -t verdict as nats-server", () => {
  for (const [name, conf] of CHECKED) {
    test(name, () => {
      const d = dir(conf);
      const theirs = check(NATS_SERVER, d);
      const ours = check(NATS_BUN, d);
      expect(ours).toEqual(theirs);
    });
  }
  test("the first one is valid (the list is not all refusals)", () => {
    expect(check(NATS_BUN, dir(CHECKED[0]![1])).lines).toEqual([VALID]);
  });
});

/** Configs that pass -t but stop (or not) at start, as with nats-server. */
const STARTED: Array<[string, (e: Env) => string]> = [
  ["operator mode with a system account", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}`],
  ["an operator alone implies a URL resolver without a scheme", () => "operator: op.jwt"],
  ["accounts beside an operator", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}\naccounts { X {} }`],
  ["users beside an operator", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}\nauthorization { users [{user: a, password: b}] }`],
  ["a URL resolver nobody answers at", () => 'operator: op.jwt\nresolver: URL("http://127.0.0.1:9/jwt/v1/accounts/")'],
  ["a URL resolver without a trailing slash", () => 'operator: op.jwt\nresolver: URL("http://127.0.0.1:9/jwt/v1/accounts")'],
  ["a URL resolver of another scheme", () => 'operator: op.jwt\nresolver: URL("ftp://127.0.0.1:9/jwt/")'],
  ["preloads with a URL resolver", (e) => `operator: op.jwt\nresolver: URL("http://127.0.0.1:9/x/")\n${preloadSys(e)}`],
  ["the system account not preloaded", () => "operator: op.jwt\nresolver: MEMORY"],
  ["a system account other than the operator's", (e) => `operator: op.jwt\nresolver: MEMORY\nsystem_account: ${e.a}\n${preloadSys(e)}`],
  ["a system account that is not a key", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}\nsystem_account: "$SYS"`],
  ["trusted keys and an operator", (e) => `operator: op.jwt\ntrusted_keys: [ ${e.op} ]\nresolver: MEMORY\n${preloadSys(e)}`],
  ["no_auth_user with an operator", (e) => `operator: op.jwt\nresolver: MEMORY\nno_auth_user: x\n${preloadSys(e)}`],
  ["a bad pinned account", (e) => `operator: op.jwt\nresolver: MEMORY\n${preloadSys(e)}\nresolver_pinned_accounts: [foo]`],
  ["an expired preloaded account only warns", (e) => `operator: op.jwt\nresolver: MEMORY\nresolver_preload { ${e.sys}: "${e.sysJwt}", ${e.a}: "${e.expiredJwt}" }`],
  ["a resolver without an operator does nothing", (e) => `resolver: MEMORY\n${preloadSys(e)}`],
  ["a full directory resolver", (e) => `operator: op.jwt\nresolver { type: full, dir: "./jwt" }\n${preloadSys(e)}`],
  ["a cache directory resolver", (e) => `operator: op.jwt\nresolver { type: cache, dir: "./jwt", limit: 3, ttl: "1h" }\n${preloadSys(e)}`],
  ["a directory resolver without the system account", () => 'operator: op.jwt\nresolver { type: full, dir: "./jwt" }'],
];

describe.skipIf(!haveReference)("starts (or refuses to) as nats-server does", () => {
  for (const [name, conf] of STARTED) {
    test(name, async () => {
      const d = dir(conf);
      expect(await start(NATS_BUN, d)).toBe(await start(NATS_SERVER, d));
    });
  }
});

