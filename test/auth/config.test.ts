// buildAuthConfig: every form of the authorization and accounts blocks, and
// every error with its file:line:col, checked against nats-server's wording.
// The last section runs the same files through the reference nats-server.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createAccount, createUser } from "@nats-io/nkeys";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig, readConfigFile } from "../../src/config/options.ts";
import { defaultOptions, type ServerOptions } from "../../src/config/types.ts";
import { buildAuthConfig, exportAllows, isBcrypt, type BuildAuthOptions } from "../../src/auth/config.ts";
import type { AccountDef, AuthConfig, ExportDef } from "../../src/auth/types.ts";
import { withFiles } from "../config/helpers.ts";

const NATS_SERVER = "/usr/sbin/nats-server";
const UKEY = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";
const UKEY2 = createUser().getPublicKey();
const AKEY = createAccount().getPublicKey();
const BCRYPT_HASH = "$2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy";

/** Runs `fn` in a fresh directory holding main.conf (errors then say `main.conf:...`). */
function inDir<T>(text: string, fn: () => T): T {
  const dir = withFiles({ "main.conf": text });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(cwd);
  }
}

function options(text: string): ServerOptions {
  return inDir(text, () => loadConfig("main.conf").options);
}

function build(text: string, more: BuildAuthOptions & { flags?: Partial<ServerOptions> } = {}) {
  return inDir(text, () => {
    const { options } = loadConfig("main.conf");
    Object.assign(options, more.flags ?? {});
    return buildAuthConfig(options, { root: readConfigFile("main.conf").root, checkOnly: more.checkOnly });
  });
}

function auth(text: string, more: Parameters<typeof build>[1] = {}): AuthConfig {
  return build(text, more).auth;
}

/** The problems reported (warnings first, as ConfigError lists them). */
function errors(text: string, more: Parameters<typeof build>[1] = {}): string[] {
  try {
    build(text, more);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.errors];
    throw e;
  }
  throw new Error("expected a ConfigError");
}

function account(a: AuthConfig, name: string): AccountDef {
  const def = a.accounts.get(name);
  if (def === undefined) throw new Error(`no account ${name}`);
  return def;
}

describe("isBcrypt", () => {
  test("recognises the bcrypt prefixes", () => {
    expect(isBcrypt(BCRYPT_HASH)).toBe(true);
    expect(isBcrypt("$2b$10$abc")).toBe(true);
    expect(isBcrypt("$2y$04$x")).toBe(true);
    expect(isBcrypt("$2x$12$")).toBe(true);
    expect(isBcrypt("$2c$10$abc")).toBe(false);
    expect(isBcrypt("$2a$1$abc")).toBe(false);
    expect(isBcrypt("secret")).toBe(false);
    expect(isBcrypt("")).toBe(false);
  });
});

describe("no authorization", () => {
  test("defaults", () => {
    const a = auth("port: 4222");
    expect(a.mode).toBe("none");
    expect(a.users.size).toBe(0);
    expect(a.nkeys.size).toBe(0);
    expect(a.timeoutMs).toBe(2000);
    expect(a.timeoutExplicit).toBeUndefined();
    expect([...a.accounts.keys()]).toEqual(["$G", "$SYS"]);
    expect(a.systemAccount).toBe("$SYS");
    expect(a.defaultPermissions).toBeNull();
    expect(a.simplePermissions).toBeNull();
    expect(a.plaintextPasswords).toBe(false);
  });

  test("works on options built in code (no positions)", () => {
    const o = defaultOptions();
    o.authorization = { token: "t", user: "u" };
    try {
      buildAuthConfig(o);
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect((e as ConfigError).errors).toEqual(["Cannot have a user/pass and token"]);
    }
    o.authorization = { users: [{ user: "a", password: "b" }] };
    expect(buildAuthConfig(o).auth.users.get("a")?.account).toBe("$G");
  });
});

describe("authorization: single user and token", () => {
  test("user/password", () => {
    for (const text of ["authorization { user: a, password: b }", "authorization { username: a, pass: b }"]) {
      const a = auth(text);
      expect(a.mode).toBe("user");
      expect(a.user).toBe("a");
      expect(a.password).toBe("b");
      expect(a.plaintextPasswords).toBe(true);
    }
  });

  test("a password alone does not require auth", () => {
    expect(auth("authorization { password: b }").mode).toBe("none");
  });

  test("token", () => {
    const a = auth("authorization { token: s3cret }");
    expect(a.mode).toBe("token");
    expect(a.token).toBe("s3cret");
    expect(a.plaintextPasswords).toBe(false);
  });

  test("bcrypt password is not plaintext", () => {
    const a = auth(`authorization { user: a, password: ${BCRYPT_HASH} }`);
    expect(a.password).toBe(BCRYPT_HASH);
    expect(a.plaintextPasswords).toBe(false);
  });

  test("permissions are the users' defaults; nats-server applies none to the single user", () => {
    const a = auth('authorization { user: a, password: b, permissions: { publish: "x" } }');
    expect(a.defaultPermissions).toEqual({ publish: { allow: ["x"], deny: null }, subscribe: null, response: null });
    expect(a.simplePermissions).toBeNull();
  });

  test("--user/--pass/--auth flags", () => {
    let a = auth("port: 1", { flags: { username: "fu", password: "fp" } });
    expect(a.mode).toBe("user");
    expect([a.user, a.password]).toEqual(["fu", "fp"]);
    a = auth("authorization { user: a, password: b }", { flags: { username: "fu" } });
    expect([a.user, a.password]).toEqual(["fu", "b"]);
    a = auth("port: 1", { flags: { authorizationToken: "t" } });
    expect(a.mode).toBe("token");
    expect(a.token).toBe("t");
    // The token wins when both are given.
    a = auth("authorization { user: a, password: b }", { flags: { authorizationToken: "t" } });
    expect(a.mode).toBe("token");
    // A users list wins over flags.
    a = auth("authorization { users: [{user: x, password: y}] }", { flags: { username: "fu", password: "fp" } });
    expect(a.mode).toBe("users");
  });
});

describe("authorization: timeout", () => {
  test("forms", () => {
    expect(auth("authorization { timeout: 5 }").timeoutMs).toBe(5000);
    expect(auth("authorization { timeout: 0.5 }").timeoutMs).toBe(500);
    expect(auth('authorization { timeout: "1500ms" }').timeoutMs).toBe(1500);
    expect(auth('authorization { timeout: "3s" }').timeoutExplicit).toBe(true);
    // 0 means the default.
    const zero = auth("authorization { timeout: 0 }");
    expect(zero.timeoutMs).toBe(2000);
    expect(zero.timeoutExplicit).toBeUndefined();
  });

  test("with TLS the default is the TLS timeout + 1s", () => {
    const o = options("port: 1");
    o.tls = { cert_file: "c", key_file: "k" };
    expect(buildAuthConfig(o).auth.timeoutMs).toBe(3000);
    o.tls = { cert_file: "c", key_file: "k", timeout: 4 };
    expect(buildAuthConfig(o).auth.timeoutMs).toBe(5000);
    o.tls = { cert_file: "c", key_file: "k", Timeout: "500ms" };
    expect(buildAuthConfig(o).auth.timeoutMs).toBe(1500);
    o.authorization = { timeout: 1 };
    expect(buildAuthConfig(o).auth.timeoutMs).toBe(1000);
  });

  test("a high timeout is taken as given, as 2.9.10 does", () => {
    const r = build("authorization {\n  timeout: 120\n}");
    expect(r.auth.timeoutMs).toBe(120_000);
    expect(r.warnings).toEqual([]);
  });

  test("errors", () => {
    expect(errors('authorization {\n  timeout: "5x"\n}')).toEqual([
      `main.conf:2:3: error parsing authorization config, 'timeout' time: unknown unit "x" in duration "5x"`,
    ]);
    expect(errors("authorization { timeout: true }")).toEqual([
      "main.conf:1:16: error parsing authorization config, 'timeout' wrong type",
    ]);
  });
});

describe("authorization: block errors", () => {
  test("user/pass with token", () => {
    expect(errors("authorization { user: a, token: t }")).toEqual(["main.conf:1:0: Cannot have a user/pass and token"]);
    expect(errors("port: 1\nauthorization {\n  pass: a\n  token: t\n}")).toEqual([
      "main.conf:2:1: Cannot have a user/pass and token",
    ]);
  });

  test("single user or token with a users array", () => {
    expect(errors("authorization { user: a, users: [] }")).toEqual([
      "main.conf:1:0: Can not have a single user/pass and a users array",
    ]);
    expect(errors("authorization { token: a, users: [{user: b}] }")).toEqual([
      "main.conf:1:0: Can not have a token and a users array",
    ]);
  });

  test("single user or token with users in accounts", () => {
    expect(errors("authorization { user: x, password: y }\naccounts: { A: { users: [{user: a}] } }")).toEqual([
      "main.conf:2:18: Can not have a single user/pass and accounts",
    ]);
    expect(errors("authorization { token: x }\naccounts: { A: {\n  users: [{user: a}] } }")).toEqual([
      "main.conf:3:3: Can not have a token and accounts",
    ]);
    // Accounts without users are fine.
    expect(auth("authorization { token: x }\naccounts: { A: {} }").mode).toBe("token");
  });

  test("duplicates", () => {
    expect(errors("authorization { users: [{user: b}, {user: b}] }")).toEqual([
      'main.conf:1:0: Duplicate user "b" detected',
    ]);
    expect(errors(`authorization { users: [{nkey: ${UKEY}}, {nkey: ${UKEY}}] }`)).toEqual([
      `main.conf:1:0: Duplicate nkey "${UKEY}" detected`,
    ]);
    expect(errors("authorization { users: [{user: a}] }\naccounts: { A: { users: [{user: a}] } }")).toEqual([
      'main.conf:2:18: Duplicate user "a" detected',
    ]);
    expect(errors("accounts: {\n  A: { users: [{user: a}] }\n  B: { users: [{user: a}] }\n}")).toEqual([
      'main.conf:3:8: Duplicate user "a" detected',
    ]);
    expect(errors(`accounts: { A: { users: [{nkey: ${UKEY}}] }, B: { users: [{nkey: ${UKEY}}] } }`)).toEqual([
      `main.conf:1:${`accounts: { A: { users: [{nkey: ${UKEY}}] }, B: { `.length}: Duplicate nkey "${UKEY}" detected`,
    ]);
  });

  test("unknown fields and wrong types", () => {
    expect(errors("authorization { foo: 1 }")).toEqual(['main.conf:1:16: unknown field "foo"']);
    expect(errors("authorization { nkeys: [] }")).toEqual(['main.conf:1:16: unknown field "nkeys"']);
    expect(errors("authorization { user: 1 }")).toEqual([
      "main.conf:1:16: interface conversion: interface {} is int64, not string",
    ]);
    expect(errors("authorization {\n  token: [a]\n}")).toEqual([
      "main.conf:2:3: interface conversion: interface {} is []interface {}, not string",
    ]);
    // A key used as a variable is not a field.
    expect(auth("authorization {\n  PASS: pw\n  users: [{user: a, password: $PASS}]\n}").users.get("a")?.password).toBe(
      "pw",
    );
  });
});

describe("users", () => {
  test("user entries and aliases", () => {
    const a = auth(`authorization {
      users: [
        {user: a, password: pa}
        {username: b, pass: pb}
        {nkey: ${UKEY}}
      ]
    }`);
    expect(a.mode).toBe("users");
    expect([...a.users.keys()]).toEqual(["a", "b"]);
    expect(a.users.get("a")).toEqual({
      username: "a",
      password: "pa",
      account: "$G",
      permissions: null,
      allowedConnectionTypes: null,
    });
    expect(a.users.get("b")?.password).toBe("pb");
    expect(a.nkeys.get(UKEY)).toEqual({ nkey: UKEY, account: "$G", permissions: null, allowedConnectionTypes: null });
  });

  test("an empty users array means no auth", () => {
    expect(auth("authorization { users: [] }").mode).toBe("none");
  });

  test("a user without a password", () => {
    const a = auth("authorization { users: [{user: a}] }");
    expect(a.users.get("a")?.password).toBeUndefined();
    expect(a.plaintextPasswords).toBe(true);
  });

  test("entry errors", () => {
    expect(errors("authorization { users: [{password: b}] }")).toEqual(["main.conf:1:25: User entry requires a user"]);
    expect(errors('authorization { users: [{user: "", password: b}] }')).toEqual([
      "main.conf:1:35: User entry requires a user",
    ]);
    expect(errors("authorization { users: [{nkey: UABC}] }")).toEqual([
      "main.conf:1:25: Not a valid public nkey for a user",
    ]);
    expect(errors(`authorization { users: [{nkey: ${AKEY}}] }`)).toEqual([
      "main.conf:1:25: Not a valid public nkey for a user",
    ]);
    expect(errors(`authorization { users: [{nkey: ${UKEY}, user: x}] }`)).toEqual([
      "main.conf:1:89: Nkey users do not take usernames or passwords",
    ]);
    expect(errors(`authorization {\n  users: [{nkey: ${UKEY}, password: x}]\n}`)).toEqual([
      "main.conf:2:76: Nkey users do not take usernames or passwords",
    ]);
    expect(errors('authorization { users: "x" }')).toEqual([
      "main.conf:1:16: Expected users field to be an array, got x",
    ]);
    expect(errors('authorization { users: [ "x" ] }')).toEqual([
      "main.conf:1:26: Expected user entry to be a map/struct, got x",
    ]);
    expect(errors("authorization { users: [ {user: a, foo: 1} ] }")).toEqual(['main.conf:1:35: unknown field "foo"']);
    expect(errors("authorization { users: [ {user: a, password: 5} ] }")).toEqual([
      "main.conf:1:35: interface conversion: interface {} is int64, not string",
    ]);
    // In accounts nats-server gives no position for a users value that is not an array.
    expect(errors("accounts { A { users: 5 } }")).toEqual(["Expected users field to be an array, got 5"]);
    expect(errors("accounts { A { users: [ {nkey: UABC} ] } }")).toEqual([
      "main.conf:1:25: Not a valid public nkey for a user",
    ]);
  });

  test("allowed connection types", () => {
    const a = auth(`authorization { users: [
      {user: a, allowed_connection_types: ["standard", "Websocket"]}
      {user: b, connection_types: "leafnode"}
      {user: c, clients: [mqtt, MQTT_WS, leafnode_ws, in_process]}
      {user: d, allowed_connection_types: []}
    ] }`);
    expect(a.users.get("a")?.allowedConnectionTypes).toEqual(new Set(["STANDARD", "WEBSOCKET"]));
    expect(a.users.get("b")?.allowedConnectionTypes).toEqual(new Set(["LEAFNODE"]));
    expect(a.users.get("c")?.allowedConnectionTypes).toEqual(new Set(["MQTT", "MQTT_WS", "LEAFNODE_WS", "IN_PROCESS"]));
    expect(a.users.get("d")?.allowedConnectionTypes).toBeNull();
  });

  test("allowed connection types errors", () => {
    expect(
      errors('authorization { users: [ {user: a, allowed_connection_types: ["standard", "foo", "Bar"]} ] }'),
    ).toEqual(['main.conf:1:35: invalid connection types ["FOO" "BAR"]']);
    expect(errors("authorization { users: [ {user: a, allowed_connection_types: 5} ] }")).toEqual([
      "main.conf:1:35: error parsing allowed connection types: unsupported type int64",
    ]);
    expect(errors("authorization { users: [ {user: a, clients: [standard, 5]} ] }")).toEqual([
      "main.conf:1:55: error parsing allowed connection types: unsupported type in array int64",
    ]);
  });

  test("default permissions", () => {
    const a = auth(`
      authorization {
        default_permissions: { publish: "d" }
        users: [
          {user: a}
          {user: b, permissions: { subscribe: "own" }}
          {user: c, permissions: {}}
          {nkey: ${UKEY}}
        ]
      }
      accounts: {
        A: { default_permissions: { publish: "acc" }, users: [{user: x}, {user: y, permission: { publish: "y" }}] }
        B: { users: [{user: z}] }
      }`);
    const d = { publish: { allow: ["d"], deny: null }, subscribe: null, response: null };
    expect(a.defaultPermissions).toEqual(d);
    expect(a.users.get("a")?.permissions).toEqual(d);
    expect(a.nkeys.get(UKEY)?.permissions).toEqual(d);
    expect(a.users.get("b")?.permissions).toEqual({
      publish: null,
      subscribe: { allow: ["own"], deny: null },
      response: null,
    });
    // Own (even empty) permissions win.
    expect(a.users.get("c")?.permissions).toEqual({ publish: null, subscribe: null, response: null });
    expect(a.users.get("x")?.permissions?.publish?.allow).toEqual(["acc"]);
    expect(a.users.get("y")?.permissions?.publish?.allow).toEqual(["y"]);
    // Account users do not get the authorization block's defaults (as in nats-server).
    expect(a.users.get("z")?.permissions).toBeNull();
    expect(account(a, "A").defaultPermissions?.publish?.allow).toEqual(["acc"]);
    for (const alias of ["default_permission", "permissions"]) {
      expect(
        auth(`authorization { ${alias}: { sub: "s" }, users: [{user: a}] }`).users.get("a")?.permissions?.subscribe
          ?.allow,
      ).toEqual(["s"]);
    }
  });
});

describe("permissions", () => {
  const perms = (p: string) =>
    auth(`authorization { users: [{user: a, permissions: ${p}}] }`).users.get("a")!.permissions;
  const permErrors = (p: string) => errors(`authorization {\n  users: [{user: a, permissions: ${p}}]\n}`);

  test("forms and aliases", () => {
    expect(perms('{ publish: "a.>", subscribe: ["b", "c.*"] }')).toEqual({
      publish: { allow: ["a.>"], deny: null },
      subscribe: { allow: ["b", "c.*"], deny: null },
      response: null,
    });
    expect(perms('{ pub: { allow: "a", deny: ["a.b"] }, sub: { deny: "x" } }')).toEqual({
      publish: { allow: ["a"], deny: ["a.b"] },
      subscribe: { allow: null, deny: ["x"] },
      response: null,
    });
    expect(perms('{ import: "i", export: "e" }')).toEqual({
      publish: { allow: ["i"], deny: null },
      subscribe: { allow: ["e"], deny: null },
      response: null,
    });
    expect(perms("{ publish: {} }")).toEqual({ publish: null, subscribe: null, response: null });
    expect(perms('{ subscribe: ["jobs workers", "a.* q"] }')?.subscribe?.allow).toEqual(["jobs workers", "a.* q"]);
  });

  test("allow_responses", () => {
    expect(perms("{ allow_responses: true }")).toEqual({
      publish: { allow: [], deny: null },
      subscribe: null,
      response: { max: 1, expiresMs: 120_000 },
    });
    expect(perms("{ allow_responses: false }")).toEqual({ publish: null, subscribe: null, response: null });
    expect(perms('{ publish: "x", publish_allow_responses: { max: 5, expires: "1m" } }')).toEqual({
      publish: { allow: ["x"], deny: null },
      subscribe: null,
      response: { max: 5, expiresMs: 60_000 },
    });
    expect(perms('{ publish: { deny: "x" }, allow_responses: true }')?.publish).toEqual({ allow: [], deny: ["x"] });
    expect(perms('{ allow_responses: { max_msgs: -1, ttl: "-1s" } }')?.response).toEqual({ max: -1, expiresMs: -1000 });
    expect(perms('{ allow_responses: { max_messages: 0, expiration: "0s" } }')?.response).toEqual({
      max: 1,
      expiresMs: 120_000,
    });
    expect(perms("{ allow_responses: { max_responses: 3 } }")?.response).toEqual({ max: 3, expiresMs: 120_000 });
  });

  test("subject errors: old style has no position, allow/deny do", () => {
    expect(permErrors('{ publish: "a..b" }')).toEqual(['subject "a..b" is not a valid subject']);
    expect(permErrors('{ publish: "" }')).toEqual(['subject "" is not a valid subject']);
    expect(permErrors('{ publish: { allow: "a..b" } }')).toEqual([
      'main.conf:2:47: subject "a..b" is not a valid subject',
    ]);
    expect(permErrors('{ subscribe: { deny: ["ok", "b.>.c"] } }')).toEqual([
      'main.conf:2:49: subject "b.>.c" is not a valid subject',
    ]);
    expect(permErrors('{ subscribe: ["a..b q"] }')).toEqual(['subject "a..b" is not a valid subject']);
    expect(permErrors('{ subscribe: ["a b c"] }')).toEqual(['subject "a b c" is not a valid subject']);
    // Like 2.9.10: queue names are not checked, and "subject queue" is accepted in any list.
    expect(perms('{ subscribe: ["a q..x"] }')!.subscribe?.allow).toEqual(["a q..x"]);
    expect(perms('{ publish: ["a", "b q"] }')!.publish?.allow).toEqual(["a", "b q"]);
    expect(permErrors("{ publish: 1 }")).toEqual([
      "Expected subject permissions to be a subject, or array of subjects, got int64",
    ]);
    expect(permErrors("{ publish: [a, true] }")).toEqual([
      "main.conf:2:49: Subject in permissions array cannot be cast to string",
    ]);
  });

  test("structure errors", () => {
    expect(permErrors('"x"')).toEqual(["main.conf:2:21: Expected permissions to be a map/struct, got x"]);
    expect(permErrors("5")).toEqual(["main.conf:2:21: Expected permissions to be a map/struct, got 5"]);
    expect(permErrors("{ foo: 1 }")).toEqual(['main.conf:2:36: Unknown field "foo" parsing permissions']);
    expect(permErrors('{ publish: { allow: "a", foo: "b" } }')).toEqual([
      `main.conf:2:59: Unknown field name "foo" parsing subject permissions, only 'allow' or 'deny' are permitted`,
    ]);
    expect(permErrors('{ allow_responses: "x" }')).toEqual([
      "main.conf:2:36: error parsing response permissions, expected a boolean or a map",
    ]);
    expect(permErrors('{ allow_responses: { max: "x" } }')).toEqual([
      "main.conf:2:55: interface conversion: interface {} is string, not int64",
    ]);
    expect(permErrors("{ allow_responses: { expires: 5 } }")).toEqual([
      "main.conf:2:55: error parsing expires, not a duration string",
    ]);
    expect(permErrors('{ allow_responses: { expires: "5x" } }')).toEqual([
      'main.conf:2:55: error parsing expires: time: unknown unit "x" in duration "5x"',
    ]);
    expect(permErrors('{ allow_responses: { bar: "5s" } }')).toEqual([
      'main.conf:2:55: Unknown field "bar" parsing permissions',
    ]);
  });

  test("every error of a file is reported", () => {
    expect(errors('authorization {\n  foo: 1\n  permissions: { publish: { allow: "a..b" }, bar: 2 }\n}')).toEqual([
      'main.conf:2:3: unknown field "foo"',
      'main.conf:3:29: subject "a..b" is not a valid subject',
      'main.conf:3:46: Unknown field "bar" parsing permissions',
    ]);
  });
});

describe("accounts", () => {
  test("list form", () => {
    const a = auth("accounts: [A, B]");
    expect([...a.accounts.keys()]).toEqual(["$G", "A", "B", "$SYS"]);
    expect(account(a, "A")).toEqual({
      name: "A",
      exports: [],
      imports: [],
      defaultPermissions: null,
      limits: { maxConnections: 0, maxSubscriptions: 0, maxPayload: 0, maxLeafnodes: 0 },
    });
    expect(a.mode).toBe("none");
  });

  test("list form errors", () => {
    expect(errors("accounts: [A, B, A]")).toEqual(["main.conf:1:17: Duplicate Account Entry: A"]);
    expect(errors('accounts: [A, "$G"]')).toEqual(['main.conf:1:15: "$G" is a Reserved Account']);
    expect(errors("accounts: [A, true, B]")).toEqual([
      "main.conf:1:14: interface conversion: interface {} is bool, not string",
    ]);
  });

  test("map form", () => {
    const a = auth(`
      accounts: {
        A: {
          nkey: ${AKEY}
          users: [ {user: a, password: pa}, {nkey: ${UKEY}} ]
          limits: { max_connections: 5, max_subs: 3, max_payload: 100, max_leafnodes: 0 }
          mappings: { "a.b": "c.d" }
          jetstream: enabled
        }
        B: { users: [ {username: b} ], limits: { max_conn: -1, max_subscriptions: 0, max_pay: 7, max_leafs: 2 } }
        C: {}
      }`);
    expect([...a.accounts.keys()]).toEqual(["$G", "A", "B", "C", "$SYS"]);
    expect(a.mode).toBe("users");
    expect(account(a, "A").nkey).toBe(AKEY);
    expect(a.users.get("a")?.account).toBe("A");
    expect(a.nkeys.get(UKEY)?.account).toBe("A");
    expect(a.users.get("b")?.account).toBe("B");
    expect(account(a, "A").limits).toEqual({
      maxConnections: 5,
      maxSubscriptions: 3,
      maxPayload: 100,
      maxLeafnodes: -1,
    });
    expect(account(a, "B").limits).toEqual({ maxConnections: 0, maxSubscriptions: -1, maxPayload: 7, maxLeafnodes: 2 });
    expect(account(a, "A").mappings).toEqual({ "a.b": "c.d" });
  });

  test("users in accounts and authorization together", () => {
    const a = auth("authorization { users: [{user: g}] }\naccounts: { A: { users: [{user: a}] } }");
    expect(a.users.get("g")?.account).toBe("$G");
    expect(a.users.get("a")?.account).toBe("A");
  });

  test("$G is always there; top-level mappings belong to it", () => {
    const a = auth('mappings: { "x": "y" }');
    expect(account(a, "$G").mappings).toEqual({ x: "y" });
  });

  test("map form errors", () => {
    expect(errors('accounts: { "$G": {} }')).toEqual(['main.conf:1:13: "$G" is a Reserved Account']);
    expect(errors("accounts: { A: 1 }")).toEqual(["main.conf:1:12: Expected map entries for accounts"]);
    expect(errors("accounts: { A: { foo: 1 } }")).toEqual(['main.conf:1:17: unknown field "foo"']);
    expect(errors('accounts: { A: { nkey: "AXX" } }')).toEqual([
      'main.conf:1:17: Not a valid public nkey for an account: "AXX"',
    ]);
    expect(errors(`accounts: { A: { nkey: ${UKEY} } }`)).toEqual([
      `main.conf:1:17: Not a valid public nkey for an account: "${UKEY}"`,
    ]);
    expect(errors("accounts: { A: { nkey: 5 } }")).toEqual([
      "main.conf:1:17: Not a valid public nkey for an account: '\\x05'",
    ]);
    expect(errors("accounts: { A: { limits: 5 } }")).toEqual([
      "main.conf:1:17: Expected account limits to be a map/struct, got 5",
    ]);
    expect(errors("accounts: { A: { limits: { max_connections: 5, bar: 2 } } }")).toEqual([
      'main.conf:1:47: Unknown field "bar" parsing account limits',
    ]);
    expect(errors('accounts { A { limits: { max_connections: "x" } } }')).toEqual([
      "main.conf:1:25: interface conversion: interface {} is string, not int64",
    ]);
    expect(errors("accounts { A { default_permissions: 5 } }")).toEqual([
      "main.conf:1:15: Expected permissions to be a map/struct, got 5",
    ]);
    expect(errors("accounts { A { mappings: 5 } }")).toEqual([
      "main.conf:1:15: interface conversion: interface {} is int64, not map[string]interface {}",
    ]);
  });

  test("a variable inside the accounts block is not an account", () => {
    const a = auth("accounts {\n  PW: secret\n  A: { users: [{user: a, password: $PW}] }\n}");
    expect([...a.accounts.keys()]).toEqual(["$G", "A", "$SYS"]);
    expect(a.users.get("a")?.password).toBe("secret");
  });
});

describe("exports and imports", () => {
  test("exports", () => {
    const a = auth(`accounts: {
      A: {
        exports: [
          {stream: "public.>"}
          {stream: "private.>", accounts: [B]}
          {service: "help", response_type: stream, response_threshold: "5s"}
          {service: "req.*", accounts: [B, C], response: chunked}
          {service: "single", response_type: singleton}
          {stream: "acct.*", account_token_position: 2}
          {stream: "empty", accounts: []}
        ]
      }
      B: {}
      C: {}
    }`);
    const ex = account(a, "A").exports;
    const base = { accounts: null, responseType: "singleton", responseThresholdMs: 120_000 };
    expect(ex).toEqual([
      { kind: "stream", subject: "public.>", ...base },
      { kind: "stream", subject: "private.>", ...base, accounts: ["B"] },
      { kind: "stream", subject: "acct.*", ...base, accounts: [], accountTokenPosition: 2 },
      { kind: "stream", subject: "empty", ...base },
      { kind: "service", subject: "help", ...base, responseType: "stream", responseThresholdMs: 5000 },
      { kind: "service", subject: "req.*", ...base, accounts: ["B", "C"], responseType: "chunked" },
      { kind: "service", subject: "single", ...base },
    ] as ExportDef[]);
  });

  test("exports with the same subject merge", () => {
    const a = auth(`accounts: {
      A: { exports: [ {stream: "x", accounts: [B]}, {stream: "x"}, {stream: "x", accounts: [C]} ] }
      B: {}, C: {}
    }`);
    expect(account(a, "A").exports).toEqual([
      { kind: "stream", subject: "x", accounts: ["B", "C"], responseType: "singleton", responseThresholdMs: 120_000 },
    ]);
  });

  test("service latency", () => {
    const a = auth(`accounts: {
      A: { exports: [ {service: "svc", latency: "lat.results"}, {service: "s2", latency: { sampling: "50%", subject: "lat.s2" }},
                      {service: "s3", latency: { sampling: headers, subject: "lat.s3" }} ] }
    }`);
    expect(account(a, "A").exports.map((e) => e.latency)).toEqual([
      { subject: "lat.results", sampling: 100 },
      { subject: "lat.s2", sampling: 50 },
      { subject: "lat.s3", sampling: 0 },
    ]);
  });

  test("imports", () => {
    const a = auth(`accounts: {
      A: {
        exports: [ {stream: "news.>"}, {service: "help.>"}, {stream: "feed.*"} ]
      }
      B: {
        imports: [
          {stream: {account: A, subject: "news.>"}, prefix: "a"}
          {stream: {account: A, subject: "news.sports"}, prefix: "p."}
          {stream: {account: A, subject: "feed.*"}, to: "myfeed.*"}
          {stream: {account: A, subject: "feed.x"}}
          {service: {account: A, subject: "help.x"}, to: "a.help"}
          {service: {account: A, subject: "help.y"}, share: true}
        ]
      }
    }`);
    expect(account(a, "B").imports).toEqual([
      { kind: "stream", account: "A", subject: "news.>", to: "a.news.>", prefix: "a", share: false },
      { kind: "stream", account: "A", subject: "news.sports", to: "p.news.sports", prefix: "p.", share: false },
      { kind: "stream", account: "A", subject: "feed.*", to: "myfeed.*", share: false },
      { kind: "stream", account: "A", subject: "feed.x", to: "feed.x", share: false },
      { kind: "service", account: "A", subject: "help.x", to: "a.help", share: false },
      { kind: "service", account: "A", subject: "help.y", to: "help.y", share: true },
    ]);
  });

  test("import authorization errors", () => {
    expect(
      errors(
        'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "c.b"}}] } }',
      ),
    ).toEqual(['main.conf:1:0: Error adding stream import "c.b": stream import not authorized']);
    expect(
      errors(
        'port: 1\naccounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "c.b"}}] } }',
      ),
    ).toEqual(['main.conf:2:1: Error adding service import "c.b": service import not authorized']);
    expect(
      errors(
        'accounts: { A: { exports: [{stream: "a.>", accounts: [C]}] }, B: { imports: [{stream: {account: A, subject: "a.b"}}] }, C: {} }',
      ),
    ).toEqual(['main.conf:1:0: Error adding stream import "a.b": stream import not authorized']);
    expect(
      errors(
        'accounts: { A: { exports: [{stream: "x.*", account_token_position: 2}] }, B: { imports: [{stream: {account: A, subject: x.C}}] } }',
      ),
    ).toEqual(['main.conf:1:0: Error adding stream import "x.C": stream import not authorized']);
    // Importing more than is exported.
    expect(
      errors(
        'accounts: { A: { exports: [{stream: "a.*"}] }, B: { imports: [{stream: {account: A, subject: "a.>"}}] } }',
      ),
    ).toEqual(['main.conf:1:0: Error adding stream import "a.>": stream import not authorized']);
    // Allowed: within the export, approved account, token position.
    auth(
      'accounts: { A: { exports: [{stream: "a.>", accounts: [B]}] }, B: { imports: [{stream: {account: A, subject: "a.*"}}] } }',
    );
    auth(
      'accounts: { A: { exports: [{stream: "x.*", account_token_position: 2}] }, B: { imports: [{stream: {account: A, subject: x.B}}] } }',
    );
  });

  test("undefined accounts", () => {
    expect(errors('accounts: { A: { }, B: { imports: [{service: {account: C, subject: "c.b"}}] } }')).toEqual([
      'main.conf:1:0: "C" account not defined for service import',
    ]);
    expect(errors('accounts: { A: { }, B: { imports: [{stream: {account: C, subject: "c.b"}}] } }')).toEqual([
      'main.conf:1:0: "C" account not defined for stream import',
    ]);
    expect(errors('accounts: { A: { exports: [{stream: "a.>", accounts: [C]}] } }')).toEqual([
      'main.conf:1:0: "C" account not defined for stream export',
    ]);
    expect(errors('accounts: { A: { exports: [{service: "a.>", accounts: [C]}] } }')).toEqual([
      'main.conf:1:0: "C" account not defined for service export',
    ]);
  });

  test("import problems found when linking", () => {
    const e = (imports: string, exports = '[{stream: "a.>"}, {service: "s.>"}]') =>
      errors(`accounts: { A: { exports: ${exports} }, B: { imports: ${imports} } }`);
    expect(e('[{stream: {account: A, subject: "a.b"}, prefix: "p.*"}]')).toEqual([
      'main.conf:1:0: Error adding stream import "a.b": stream import prefix can not contain wildcard tokens',
    ]);
    expect(e('[{stream: {account: A, subject: "a.b"}}, {stream: {account: A, subject: "a.b"}}]')).toEqual([
      'main.conf:1:0: Error adding stream import "a.b": stream import already exists',
    ]);
    expect(e('[{stream: {account: A, subject: "a.*"}, to: "b"}]')).toEqual([
      'main.conf:1:0: Error adding stream import "a.*": failed to create mapping transform for stream import subject "a.*" to "b": invalid mapping destination: not using all of the token wildcard(s) in b',
    ]);
    expect(e('[{stream: {account: A, subject: "a.*"}, to: "b.*.*"}]')).toEqual([
      'main.conf:1:0: Error adding stream import "a.*": failed to create mapping transform for stream import subject "a.*" to "b.*.*": invalid mapping destination: wildcard index out of range in $2: [2]',
    ]);
    expect(e('[{stream: {account: A, subject: "a.*"}, to: "b.>"}]')).toEqual([
      'main.conf:1:0: Error adding stream import "a.*": failed to create mapping transform for stream import subject "a.*" to "b.>": invalid subject',
    ]);
    expect(e('[{service: {account: A, subject: "s.*"}, to: "b"}]')).toEqual([
      'main.conf:1:0: Error adding service import "s.*": failed to create mapping transform for service import subject "b" to "s.*": invalid mapping destination: not using all of the token wildcard(s) in b',
    ]);
    expect(e('[{service: {account: A, subject: "s..b"}}]')).toEqual([
      'main.conf:1:0: Error adding service import "s..b": sublist: invalid subject',
    ]);
    // Fine: the same wildcards, or a literal import.
    auth(
      'accounts: { A: { exports: [{service: "s.>"}] }, B: { imports: [{service: {account: A, subject: "s.*"}, to: "b.*"}] } }',
    );
    auth(
      'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.b"}, to: "b.*"}] } }',
    );
  });

  test("import cycles", () => {
    expect(
      errors(
        'accounts: { A: { exports: [{stream: "x"}], imports: [{stream: {account: B, subject: x}}] }, B: { exports: [{stream: "x"}], imports: [{stream: {account: A, subject: x}}] } }',
      ),
    ).toEqual(['main.conf:1:0: Error adding stream import "x": import forms a cycle']);
    expect(
      errors(
        'accounts: { A: { exports: [{service: "x"}], imports: [{service: {account: B, subject: x}}] }, B: { exports: [{service: "x"}], imports: [{service: {account: A, subject: x}}] } }',
      ),
    ).toEqual(['main.conf:1:0: Error adding service import "x": import forms a cycle']);
    // Importing one's own export is not a cycle.
    auth(
      'accounts: { A: { exports: [{service: "x"}, {stream: "y"}], imports: [{service: {account: A, subject: x}}, {stream: {account: A, subject: y}}] } }',
    );
  });

  test("duplicate service import subject", () => {
    const lines = errors(
      'accounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "a.b"}, to: "x.y"}, {service: {account: A, subject: "a.c"}, to: "x.y"}] } }',
    );
    // nats-server places a map inside an array at its closing brace; the
    // conf parser records the opening one, so only the text is pinned here.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^main\.conf:1:\d+: Duplicate service import subject "x\.y", previously used in import for account "A", subject "a\.b"$/,
    );
  });

  test("export entry errors", () => {
    const e = (exports: string) => errors(`accounts: { A: { exports: ${exports} } }`);
    expect(e('[{service: "a.>", response_type: "foo"}]')).toEqual(['main.conf:1:44: Unknown response type: "foo"']);
    expect(e('[{service: "a.>", response_threshold: 5}]')).toEqual([
      "main.conf:1:44: Expected response threshold to be a parseable time duration, got int64",
    ]);
    expect(e('[{service: "a.>", response_threshold: "5x"}]')).toEqual([
      'main.conf:1:44: Expected response threshold to be a parseable time duration, got "5x"',
    ]);
    expect(e("[{stream: 5}]")).toEqual(["main.conf:1:28: Expected stream name to be string, got int64"]);
    expect(e("[{service: [a]}]")).toEqual(["main.conf:1:28: Expected service name to be string, got []interface {}"]);
    expect(e("{stream: a}")).toEqual(["main.conf:1:17: Exports should be an array, got map[string]interface {}"]);
    expect(e("[a]")).toEqual(["main.conf:1:27: Export Items should be a map with type entry, got string"]);
    expect(e("[{foo: a}]")).toEqual(['main.conf:1:28: unknown field "foo"']);
    expect(e("[{stream: a, service: b}]")).toEqual(['main.conf:1:39: Detected service "b" but already saw a stream']);
    expect(e("[{service: b, stream: a}]")).toEqual(['main.conf:1:40: Detected stream "a" but already saw a service']);
    expect(e("[{stream: a, response_type: stream}]")).toEqual([
      "main.conf:1:39: Detected response directive on non-service",
    ]);
    expect(e("[{response_type: stream, stream: a}]")).toEqual([
      "main.conf:1:28: Detected response directive on non-service",
    ]);
    expect(e("[{service: a, response: stream, response_type: chunked}]")).toEqual([
      "main.conf:1:58: Duplicate response type definition",
    ]);
    expect(e('[{service: a, threshold: "1s", response_time: "2s"}]')).toEqual([
      "main.conf:1:57: Duplicate response threshold detected",
    ]);
    expect(e('[{stream: a, latency: "x"}]')).toEqual(["main.conf:1:39: Detected latency directive on non-service"]);
    expect(e("[{service: a, latency: 5}]")).toEqual([
      "main.conf:1:40: Expected latency entry to be a map/struct or string, got int64",
    ]);
    expect(e("[{service: a, latency: { sampling: 200, subject: x }}]")).toEqual([
      "main.conf:1:51: bad sampling percentage, should be 1-100",
    ]);
    expect(e('[{service: a, latency: { sampling: "x%", subject: x }}]')).toEqual([
      'main.conf:1:51: Failed to parse latency sample: strconv.Atoi: parsing "x": invalid syntax',
    ]);
    expect(e("[{service: a, latency: { sampling: 50 }}]")).toEqual([
      "main.conf:1:40: Latency subject required, but missing",
    ]);
    expect(e("[{stream: a, accounts: x}]")).toEqual([
      "main.conf:1:39: interface conversion: interface {} is string, not []interface {}",
    ]);
    expect(e('[{stream: "x", account_token_position: 2}]')).toEqual([
      'main.conf:1:0: Error adding stream export "x": sublist: invalid subject',
    ]);
    // nats-server does not validate export subjects; an empty entry is ignored.
    auth('accounts: { A: { exports: [{stream: "a..b"}, {}] } }');
  });

  test("latency problems found when linking", () => {
    expect(errors('no_system_account: true\naccounts: { A: { exports: [{service: "s", latency: "lat"}] } }')).toEqual([
      'main.conf:2:1: Error adding service latency sampling for "s": system account not setup',
    ]);
    expect(errors('accounts: { A: { exports: [{service: "s", latency: "lat.*"}] } }')).toEqual([
      'main.conf:1:0: Error adding service latency sampling for "s" on subject "lat.*": invalid publish subject',
    ]);
    expect(errors('accounts: { A: { exports: [{service: "s", latency: "s"}] } }')).toEqual([
      'main.conf:1:0: Error adding service latency sampling for "s" on subject "s": invalid publish subject',
    ]);
    expect(errors('accounts: { A: { exports: [{service: "s", latency: "lat", response_type: stream}] } }')).toEqual([
      'main.conf:1:0: Error adding service latency sampling for "s" on subject "lat": bad service response type',
    ]);
  });

  test("import entry errors", () => {
    const e = (imports: string) => errors(`accounts: { A: { imports: ${imports} } }`);
    expect(e("[{stream: {account: A}}]")).toEqual(["main.conf:1:28: Expect an account name and a subject"]);
    expect(e('[{service: {subject: "x"}}]')).toEqual(["main.conf:1:28: Expect an account name and a subject"]);
    expect(e('[{stream: "x"}]')).toEqual(["main.conf:1:28: Stream entry should be an account map, got string"]);
    expect(e("[{service: 5}]")).toEqual(["main.conf:1:28: Service entry should be an account map, got int64"]);
    expect(e("[{stream: {account: A, subject: x, foo: 1}}]")).toEqual(['main.conf:1:61: unknown field "foo"']);
    expect(e("a")).toEqual(["main.conf:1:17: Imports should be an array, got string"]);
    expect(e("[a]")).toEqual(["main.conf:1:27: Import Items should be a map with type entry, got string"]);
    expect(e("[{service: {account: A, subject: x}, stream: {account: A, subject: y}}]")).toEqual([
      "main.conf:1:63: Detected stream but already saw a service",
    ]);
    expect(e("[{stream: {account: A, subject: x}, prefix: p, to: q}]")).toEqual([
      "main.conf:1:73: Stream import can not have a 'prefix' and a 'to' property",
    ]);
    expect(e("[{service: {account: A, subject: x}, share: yes_please}]")).toEqual([
      "main.conf:1:63: interface conversion: interface {} is string, not bool",
    ]);
    expect(e("[{service: {account: A, subject: 5}}]")).toEqual([
      "main.conf:1:50: interface conversion: interface {} is int64, not string",
      "main.conf:1:28: Expect an account name and a subject",
    ]);
    // Nothing to import: ignored, as by nats-server.
    auth("accounts: { A: { imports: [{}, {prefix: x}] } }");
  });

  test("exports and imports are only linked when the rest is valid", () => {
    expect(errors('accounts: { A: { foo: 1 }, B: { imports: [{stream: {account: C, subject: "x"}}] } }')).toEqual([
      'main.conf:1:17: unknown field "foo"',
    ]);
  });
});

describe("exportAllows", () => {
  const acc = (exports: Partial<ExportDef>[]): AccountDef => ({
    name: "E",
    imports: [],
    defaultPermissions: null,
    limits: { maxConnections: 0, maxSubscriptions: 0, maxPayload: 0, maxLeafnodes: 0 },
    exports: exports.map((e) => ({
      kind: "stream",
      subject: "",
      accounts: null,
      responseType: "singleton",
      responseThresholdMs: 120_000,
      ...e,
    })),
  });

  test("public, restricted and token-position exports", () => {
    const e = acc([
      { subject: "pub.>" },
      { subject: "priv.>", accounts: ["B"] },
      { subject: "tok.*.x", accountTokenPosition: 2, accounts: [] },
      { kind: "service", subject: "svc.*" },
    ]);
    expect(exportAllows(e, "stream", "pub.a", "X")).toBe(true);
    expect(exportAllows(e, "stream", "pub.>", "X")).toBe(true);
    expect(exportAllows(e, "stream", "pub", "X")).toBe(false);
    expect(exportAllows(e, "stream", "priv.a.b", "B")).toBe(true);
    expect(exportAllows(e, "stream", "priv.a.b", "C")).toBe(false);
    expect(exportAllows(e, "stream", "tok.B.x", "B")).toBe(true);
    expect(exportAllows(e, "stream", "tok.B.x", "C")).toBe(false);
    // The exact export subject does not name an account.
    expect(exportAllows(e, "stream", "tok.*.x", "B")).toBe(false);
    expect(exportAllows(e, "stream", "svc.a", "X")).toBe(false);
    expect(exportAllows(e, "service", "svc.a", "X")).toBe(true);
    expect(exportAllows(e, "service", "svc.*", "X")).toBe(true);
    expect(exportAllows(e, "service", "svc.>", "X")).toBe(false);
    expect(exportAllows(e, "stream", "pub..a", "X")).toBe(false);
    expect(exportAllows(acc([]), "service", "x", "X")).toBe(false);
  });

  test("an exact export decides before a wider one", () => {
    const e = acc([{ subject: "a.>" }, { subject: "a.b", accounts: ["B"] }]);
    expect(exportAllows(e, "stream", "a.b", "C")).toBe(false);
    expect(exportAllows(e, "stream", "a.c", "C")).toBe(true);
  });
});

describe("no_auth_user", () => {
  test("names a user or an nkey", () => {
    expect(auth("authorization { users: [{user: a, password: b}] }\nno_auth_user: a").noAuthUser).toBe("a");
    expect(auth(`accounts { A { users: [{nkey: ${UKEY2}}] } }\nno_auth_user: ${UKEY2}`).noAuthUser).toBe(UKEY2);
  });

  test("errors (found at startup: no position)", () => {
    expect(errors("authorization { users: [{user: a, password: b}] }\nno_auth_user: zz")).toEqual([
      'no_auth_user: "zz" not present as user or nkey in authorization block or account configuration',
    ]);
    expect(errors("no_auth_user: zz")).toEqual(['no_auth_user: "zz" present, but users/nkeys are not defined']);
    expect(errors("authorization { user: a, password: b }\nno_auth_user: a")).toEqual([
      'no_auth_user: "a" present, but users/nkeys are not defined',
    ]);
  });

  test("-t does not check it", () => {
    expect(auth("no_auth_user: zz", { checkOnly: true }).noAuthUser).toBeUndefined();
  });
});

describe("system account", () => {
  test("default $SYS unless no_system_account", () => {
    expect(auth("port: 1").systemAccount).toBe("$SYS");
    const a = auth("no_system_account: true");
    expect(a.systemAccount).toBeUndefined();
    expect([...a.accounts.keys()]).toEqual(["$G"]);
  });

  test("system_account names a configured account", () => {
    const a = auth("accounts { A {}, B {} }\nsystem_account: A");
    expect(a.systemAccount).toBe("A");
    expect([...a.accounts.keys()]).toEqual(["$G", "A", "B"]);
    expect(auth("accounts { A {}, B {} }\nsystem_account: A\nno_system_account: true").systemAccount).toBe("A");
    expect(auth("accounts { $SYS {}, B {} }\nno_system_account: true").systemAccount).toBe("$SYS");
    expect(auth('system_account: "$G"').systemAccount).toBe("$G");
  });

  test("a missing system account fails at startup", () => {
    expect(errors("system_account: FOO")).toEqual(["error resolving system account: account missing"]);
    expect(errors('system_account: "$SYS"')).toEqual(["error resolving system account: account missing"]);
    expect(() => auth("system_account: FOO", { checkOnly: true })).not.toThrow();
  });

  test("only a system account: clients without credentials go to $G through a made-up user", () => {
    const a = auth("accounts { $SYS { users [{user: s, password: s}] } }");
    expect(a.systemAccount).toBe("$SYS");
    expect(a.mode).toBe("users");
    const generated = a.sysAccOnlyNoAuthUser!;
    expect(generated).toMatch(/^nats-[0-9A-Za-z]{8}$/);
    expect(a.noAuthUser).toBe(generated);
    expect(a.users.get(generated)?.account).toBe("$G");
    expect(a.users.get(generated)?.password).toBe(generated.slice(6));
    // Same name on a rebuild (a reload must not drop those clients).
    expect(auth("system_account: A\naccounts { A {} }").sysAccOnlyNoAuthUser).toBe(generated);
    // Not with a second account, or an explicit no_auth_user.
    expect(auth("accounts { $SYS { users [{user: s, password: s}] }, A {} }").sysAccOnlyNoAuthUser).toBeUndefined();
    expect(
      auth("accounts { $SYS { users [{user: s, password: s}] } }\nno_auth_user: s").sysAccOnlyNoAuthUser,
    ).toBeUndefined();
    // The made-up user is not a plaintext password.
    expect(auth(`accounts { $SYS { users [{user: s, password: "${BCRYPT_HASH}"}] } }`).plaintextPasswords).toBe(false);
  });
});

describe("plaintext passwords", () => {
  test("detection", () => {
    expect(auth("authorization { users: [{user: a, password: b}] }").plaintextPasswords).toBe(true);
    expect(auth(`authorization { users: [{user: a, password: "${BCRYPT_HASH}"}] }`).plaintextPasswords).toBe(false);
    expect(auth(`authorization { users: [{nkey: ${UKEY}}] }`).plaintextPasswords).toBe(false);
    expect(auth("port: 1", { flags: { username: "u", password: "p" } }).plaintextPasswords).toBe(true);
    // Certificate-mapped users need no password.
    const o = options('authorization { users: [{user: "CN=a"}] }');
    expect(buildAuthConfig(o).auth.plaintextPasswords).toBe(true);
    o.tls = { cert_file: "c", key_file: "k", verify_and_map: true };
    expect(buildAuthConfig(o).auth.plaintextPasswords).toBe(false);
  });
});

// ---- against the reference ------------------------------------------------

interface Verdict {
  valid: boolean;
  lines: string[];
}

function referenceCheck(dir: string): Verdict {
  const r = Bun.spawnSync([NATS_SERVER, "-t", "-c", "main.conf"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
  const lines = r.stderr
    .toString()
    .split("\n")
    .map((l) => l.replace(/^nats-server: /, ""))
    .filter((l) => l !== "" && !l.includes("is valid"));
  return { valid: r.exitCode === 0, lines };
}

/** Ours with `-t` semantics (only what the file itself can tell). */
function ourCheck(dir: string): Verdict {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { options } = loadConfig("main.conf");
    const { warnings } = buildAuthConfig(options, { root: readConfigFile("main.conf").root, checkOnly: true });
    return { valid: warnings.length === 0, lines: warnings };
  } catch (e) {
    if (e instanceof ConfigError) return { valid: false, lines: [...e.warnings, ...e.errors] };
    throw e;
  } finally {
    process.chdir(cwd);
  }
}

/** Files both servers accept. */
const ACCEPTED: string[] = [
  "authorization { user: a, password: b, timeout: 3 }",
  "authorization { token: t, permissions: { publish: x } }",
  `authorization { users: [ {user: a, password: b, permissions: { publish: { allow: "a.>", deny: "a.b" }, subscribe: ["x", "y q"], allow_responses: { max: 2, expires: "5s" } }, allowed_connection_types: [standard, websocket] }, {nkey: ${UKEY}} ], default_permissions: { sub: "z" } }`,
  "authorization { users: [] }",
  `accounts: { A: { nkey: ${AKEY}, users: [{user: a}], limits: { max_connections: 1, max_subs: 2, max_payload: 3, max_leafnodes: 4 }, default_permissions: { publish: x } }, B: {} }`,
  "accounts: [A, B]",
  'accounts: { A: { exports: [{stream: "a.>", accounts: [B]}, {service: "s.*", response_type: chunked, response_threshold: "3s"}] }, B: { imports: [{stream: {account: A, subject: "a.x"}, prefix: p}, {service: {account: A, subject: "s.x"}, to: "local", share: true}] } }',
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.*"}, to: "b.*"}] } }',
  'accounts: { A: { exports: [{stream: "x.*", account_token_position: 2}] }, B: { imports: [{stream: {account: A, subject: x.B}}] } }',
  'accounts: { A: { exports: [{service: "x"}], imports: [{service: {account: A, subject: x}}] } }',
  'accounts: { A: { exports: [{stream: "a..b"}, {}], imports: [{}] } }',
  "accounts { $SYS { users [{user: s, password: s}] } }",
  "accounts { A {} }\nsystem_account: A",
  // Startup-only problems: -t does not see them.
  "no_auth_user: zz",
  "system_account: FOO",
];

/** Files both reject, with the same (deterministic) problems. */
const REJECTED: string[] = [
  "authorization { user: a, token: t }",
  "authorization { pass: a, token: t }",
  "authorization { user: a, users: [] }",
  "authorization { token: a, users: [{user: b}] }",
  "authorization { users: [{user: b}, {user: b}] }",
  "authorization { users: [{password: b}] }",
  "authorization { users: [{nkey: UABC}] }",
  `authorization { users: [{nkey: ${UKEY}}, {nkey: ${UKEY}}] }`,
  'authorization { users: "x" }',
  'authorization { users: [ "x" ] }',
  "authorization { users: [ {user: a, foo: 1} ] }",
  "authorization { foo: 1 }",
  "authorization { nkeys: [] }",
  'authorization { permissions: "x" }',
  'authorization { permissions: { publish: "a..b" } }',
  'authorization { permissions: { publish: ["a", "b c d"] } }',
  'authorization { permissions: { subscribe: ["a..b q"] } }',
  "authorization { permissions: { publish: 1 } }",
  'authorization { permissions: { publish: { allow: "a", foo: "b" } } }',
  'authorization { permissions: { publish: { allow: "a..b" } } }',
  "authorization { permissions: { foo: 1 } }",
  'authorization { permissions: { allow_responses: "x" } }',
  'authorization { permissions: { allow_responses: { max: "x" } } }',
  "authorization { permissions: { allow_responses: { expires: 5 } } }",
  'authorization { permissions: { allow_responses: { expires: "5x" } } }',
  'authorization { permissions: { allow_responses: { bar: "5s" } } }',
  'authorization { users: [ {user: a, allowed_connection_types: ["standard", "foo"]} ] }',
  "authorization { users: [ {user: a, allowed_connection_types: 5} ] }",
  "authorization { users: [ {user: a, password: 5} ] }",
  "authorization { users: [ {user: a, permissions: 5} ] }",
  "accounts: [A, B, A]",
  'accounts: [A, "$G"]',
  'accounts: { "$G": {} }',
  "accounts: { A: 1 }",
  "accounts: { A: { foo: 1 } }",
  'accounts: { A: { nkey: "AXX" } }',
  "accounts: { A: { nkey: 5 } }",
  "accounts: { A: { limits: 5 } }",
  "accounts: { A: { limits: { max_connections: 5, bar: 2 } } }",
  'accounts { A { limits: { max_connections: "x" } } }',
  "accounts { A { users: 5 } }",
  "accounts { A { default_permissions: 5 } }",
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "c.b"}}] } }',
  'accounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "c.b"}}] } }',
  'accounts: { A: { }, B: { imports: [{service: {account: C, subject: "c.b"}}] } }',
  'accounts: { A: { }, B: { imports: [{stream: {account: C, subject: "c.b"}}] } }',
  'accounts: { A: { exports: [{stream: "a.>", accounts: [C]}] } }',
  'accounts: { A: { exports: [{stream: "a.>", accounts: [C]}] }, B: { imports: [{stream: {account: A, subject: "a.b"}}] }, C: {} }',
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.b"}, prefix: "p.*"}] } }',
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.b"}}, {stream: {account: A, subject: "a.b"}}] } }',
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.*"}, to: "b"}] } }',
  'accounts: { A: { exports: [{stream: "a.>"}] }, B: { imports: [{stream: {account: A, subject: "a.*"}, to: "b.*.*"}] } }',
  'accounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "a.*"}, to: "b"}] } }',
  'accounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "a..b"}}] } }',
  'accounts: { A: { exports: [{stream: "x"}], imports: [{stream: {account: B, subject: x}}] }, B: { exports: [{stream: "x"}], imports: [{stream: {account: A, subject: x}}] } }',
  'accounts: { A: { exports: [{stream: "x", account_token_position: 2}] } }',
  'accounts: { A: { exports: [{service: "a.>", response_type: "foo"}] } }',
  'accounts: { A: { exports: [{service: "a.>", response_threshold: "5x"}] } }',
  "accounts: { A: { exports: [{stream: 5}] } }",
  "accounts: { A: { exports: {stream: a} } }",
  "accounts: { A: { exports: [a] } }",
  "accounts: { A: { imports: [{stream: {account: A}}] } }",
  'accounts: { A: { imports: [{stream: "x"}] } }',
  "accounts: { A: { imports: [{stream: {account: A, subject: x, foo: 1}}] } }",
  "accounts: { A: { imports: [a] } }",
];

/** Files both reject where nats-server's wording or position is not deterministic (Go map order). */
const REJECTED_LOOSELY: string[] = [
  // Which of the two accounts is "the duplicate" depends on map order.
  "accounts: { A: { users: [{user: a}] }, B: { users: [{user: a}] } }",
  // Reported at the authorization or the accounts block, depending on map order.
  "authorization { users: [{user: a}] }\naccounts: { A: { users: [{user: a}] } }",
  // Either "...and a users array" or "...and accounts", depending on map order.
  "authorization { user: x, password: y }\naccounts: { A: { users: [{user: a}] } }",
  "authorization { token: x }\naccounts: { A: { users: [{user: a}] } }",
  // Entry-level problems are reported at the entry's last key in map order.
  `authorization { users: [{nkey: ${UKEY}, user: x}] }`,
  // A map inside an array is positioned at its closing brace by nats-server.
  'accounts: { A: { exports: [{service: "a.>"}] }, B: { imports: [{service: {account: A, subject: "a.b"}}, {service: {account: A, subject: "a.b"}}] } }',
  "authorization { users: [{}] }",
  // nats-server adds a nil-pointer error after the type error.
  "authorization { user: 1 }",
];

describe.skipIf(!existsSync(NATS_SERVER))("same verdict as nats-server -t", () => {
  for (const text of ACCEPTED) {
    test(`accepted: ${text}`, () => {
      const dir = withFiles({ "main.conf": `${text}\n` });
      expect(referenceCheck(dir)).toEqual({ valid: true, lines: [] });
      expect(ourCheck(dir)).toEqual({ valid: true, lines: [] });
    });
  }
  for (const text of REJECTED) {
    test(`rejected: ${text}`, () => {
      const dir = withFiles({ "main.conf": `${text}\n` });
      const theirs = referenceCheck(dir);
      expect(theirs.valid).toBe(false);
      expect(ourCheck(dir)).toEqual(theirs);
    });
  }
  for (const text of REJECTED_LOOSELY) {
    test(`rejected (wording may differ): ${text}`, () => {
      const dir = withFiles({ "main.conf": `${text}\n` });
      expect(referenceCheck(dir).valid).toBe(false);
      const ours = ourCheck(dir);
      expect(ours.valid).toBe(false);
      expect(ours.lines.length).toBeGreaterThan(0);
    });
  }
});

/** Problems nats-server only reports when starting (validateOptions, configureAccounts). */
const STARTUP: Array<[conf: string, reference: string, ours: string]> = [
  [
    "authorization { users [ {user: a, password: b} ] }\nno_auth_user: zz",
    // 2.9.10 wording; newer servers (and we) also accept nkeys here.
    'no_auth_user: "zz" not present as user in authorization block or account configuration',
    'no_auth_user: "zz" not present as user or nkey in authorization block or account configuration',
  ],
  [
    "system_account: FOO",
    "error resolving system account: account missing",
    "error resolving system account: account missing",
  ],
];

describe.skipIf(!existsSync(NATS_SERVER))("startup checks match a starting nats-server", () => {
  for (const [text, reference, mine] of STARTUP) {
    test(text, async () => {
      const dir = withFiles({ "main.conf": `${text}\n` });
      const p = Bun.spawn([NATS_SERVER, "-c", "main.conf", "-a", "127.0.0.1", "-p", "-1"], {
        cwd: dir,
        stdout: "pipe",
        stderr: "pipe",
      });
      const timer = setTimeout(() => p.kill(), 5000);
      await p.exited;
      clearTimeout(timer);
      const stderr = await new Response(p.stderr).text();
      expect(stderr).toContain(`nats-server: ${reference}`);
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(() => buildAuthConfig(loadConfig("main.conf").options)).toThrow(mine);
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
