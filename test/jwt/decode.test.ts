// src/jwt: decoding, signature checks, validation and creds parsing, on
// tokens minted by @nats-io/jwt (the official JavaScript library) and on
// broken ones.

import { describe, expect, test } from "bun:test";
import {
  Algorithms,
  createAccount,
  createOperator,
  createUser,
  encode,
  encodeAccount,
  encodeActivation,
  encodeOperator,
  encodeUser,
  fmtCreds,
  newScopedSigner,
} from "@nats-io/jwt";
import { decodeClaims, JwtError } from "../../src/jwt/decode.ts";
import { parseCreds, parseDecoratedJWT } from "../../src/jwt/creds.ts";
import { cidrContains, parseCIDR, parseIP } from "../../src/jwt/cidr.ts";
import { isClockTime, isContainedIn, validateAccount, validateUser } from "../../src/jwt/validate.ts";

const op = createOperator();
const acc = createAccount();
const user = createUser();
const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof JwtError) return e.message;
    throw e;
  }
  throw new Error("expected a JwtError");
}

const b64 = (s: string): string => Buffer.from(s).toString("base64url");

describe("decoding tokens of @nats-io/jwt", () => {
  test("operator", async () => {
    const signer = createOperator();
    const token = await encodeOperator("OP", op, {
      signing_keys: [signer.getPublicKey()],
      system_account: acc.getPublicKey(),
    });
    const c = decodeClaims(token, "operator");
    expect(c.sub).toBe(op.getPublicKey());
    expect(c.iss).toBe(op.getPublicKey());
    expect(c.name).toBe("OP");
    expect(c.nats.type).toBe("operator");
    expect(c.nats.version).toBe(2);
    expect(c.nats.signing_keys).toEqual([signer.getPublicKey()]);
    expect(c.nats.system_account).toBe(acc.getPublicKey());
    expect(c.nats.strict_signing_key_usage).toBe(false);
  });

  test("account, with limits, exports, imports, scoped signing keys, revocations", async () => {
    const sk = createAccount();
    const other = createAccount();
    const token = await encodeAccount(
      "A",
      acc,
      {
        limits: { ...UNLIMITED, disallow_bearer: true },
        exports: [{ name: "s", subject: "svc.>", type: "service", response_type: "Stream", token_req: true }],
        imports: [{ name: "i", subject: "news.>", account: other.getPublicKey(), type: "stream", to: "x" }],
        signing_keys: [sk.getPublicKey(), newScopedSigner(createAccount(), "r", { pub: { allow: ["a.>"], deny: [] } })],
        revocations: { [user.getPublicKey()]: 1000 },
        default_permissions: { sub: { deny: ["secret"] } },
      },
      { signer: op },
    );
    const c = decodeClaims(token, "account");
    expect(c.iss).toBe(op.getPublicKey());
    expect(c.nats.limits.conn).toBe(-1);
    expect(c.nats.limits.disallow_bearer).toBe(true);
    expect(c.nats.exports[0]).toMatchObject({ subject: "svc.>", type: "service", response_type: "Stream", token_req: true });
    expect(c.nats.imports[0]).toMatchObject({ subject: "news.>", account: other.getPublicKey(), type: "stream", to: "x" });
    expect(c.nats.signing_keys[0]).toBe(sk.getPublicKey());
    const scope = c.nats.signing_keys[1];
    if (typeof scope === "string" || scope === undefined) throw new Error("expected a scope");
    expect(scope.kind).toBe("user_scope");
    expect(scope.template.pub.allow).toEqual(["a.>"]);
    expect(scope.template.subs).toBe(-1);
    expect(c.nats.revocations[user.getPublicKey()]).toBe(1000);
    expect(c.nats.default_permissions.sub.deny).toEqual(["secret"]);
    expect(validateAccount(c).blocking).toBe(false);
  });

  test("user: limits default to unlimited in the JS library; absent fields are Go zeros", async () => {
    const token = await encodeUser("u", user, acc, { pub: { allow: ["a"] }, resp: { max: 2, ttl: 5e9 }, src: ["10.0.0.0/8"] });
    const c = decodeClaims(token, "user");
    expect(c.iss).toBe(acc.getPublicKey());
    expect(c.nats.subs).toBe(-1);
    expect(c.nats.pub.allow).toEqual(["a"]);
    expect(c.nats.sub.allow).toBeNull();
    expect(c.nats.resp).toEqual({ max: 2, ttl: 5e9 });
    expect(c.nats.src).toEqual(["10.0.0.0/8"]);
    expect(c.nats.issuer_account).toBe("");
    expect(c.nats.bearer_token).toBe(false);
    expect(validateUser(c).blocking).toBe(false);

    const bare = await encode(Algorithms.v2, { sub: user.getPublicKey(), nats: { type: "user" } } as never, acc);
    const z = decodeClaims(bare, "user");
    expect([z.nats.subs, z.nats.data, z.nats.payload]).toEqual([0, 0, 0]);
    expect(z.nats.resp).toBeNull();
  });

  test("user signed by a signing key carries issuer_account", async () => {
    const sk = createAccount();
    const c = decodeClaims(await encodeUser("u", user, acc, {}, { signer: sk }), "user");
    expect(c.iss).toBe(sk.getPublicKey());
    expect(c.nats.issuer_account).toBe(acc.getPublicKey());
  });

  test("activation", async () => {
    const importer = createAccount();
    const token = await encodeActivation("act", importer, acc, "service", { subject: "svc.x" });
    const c = decodeClaims(token, "activation");
    expect(c.sub).toBe(importer.getPublicKey());
    expect(c.iss).toBe(acc.getPublicKey());
    expect(c.nats.kind).toBe("service");
    expect(c.nats.subject).toBe("svc.x");
  });

  test("legacy v1 tokens (alg ed25519, top-level type, signature over the claims only)", async () => {
    const token = await encodeUser("u", user, acc, { sub: { allow: ["x"] } }, { algorithm: Algorithms.v1 });
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).alg).toBe("ed25519");
    const c = decodeClaims(token, "user");
    expect(c.nats.version).toBe(1);
    expect(c.nats.sub.allow).toEqual(["x"]);
    const a = decodeClaims(await encodeAccount("A", acc, {}, { signer: op, algorithm: Algorithms.v1 }), "account");
    expect(a.nats.version).toBe(1);
    const act = decodeClaims(await encodeActivation("act", createAccount(), acc, "stream", { subject: "s" }, { algorithm: Algorithms.v1 }), "activation");
    expect(act.nats.kind).toBe("stream");
  });
});

describe("refusals", () => {
  test("malformed and truncated tokens", async () => {
    const token = await encodeUser("u", user, acc);
    expect(error(() => decodeClaims("", "user"))).toBe("expected 3 chunks");
    expect(error(() => decodeClaims("a.b", "user"))).toBe("expected 3 chunks");
    expect(error(() => decodeClaims(`${token}.x`, "user"))).toBe("expected 3 chunks");
    expect(error(() => decodeClaims(token.slice(0, -4), "user"))).toBe("claim failed V2 signature verification");
    expect(error(() => decodeClaims(token.slice(0, -5), "user"))).toMatch(/^illegal base64 data at input byte/);
    expect(error(() => decodeClaims(token.slice(0, token.lastIndexOf(".") + 1), "user"))).toBe("claim failed V2 signature verification");
    expect(error(() => decodeClaims(token.replace(".", ".!"), "user"))).toMatch(/^illegal base64 data/);
    const [h, , s] = token.split(".");
    expect(error(() => decodeClaims(`${h}.${b64("not json")}.${s}`, "user"))).toMatch(/JSON/);
    expect(error(() => decodeClaims(`${h}.${b64("[1]")}.${s}`, "user"))).toMatch(/cannot unmarshal/);
  });

  test("wrong type or algorithm in the header", async () => {
    const token = await encodeUser("u", user, acc);
    const rest = token.slice(token.indexOf("."));
    expect(error(() => decodeClaims(b64('{"typ":"JWS","alg":"ed25519-nkey"}') + rest, "user"))).toBe('not supported type "JWS"');
    expect(error(() => decodeClaims(b64('{"typ":"JWT","alg":"HS256"}') + rest, "user"))).toBe('unexpected "HS256" algorithm');
    expect(error(() => decodeClaims(b64('{"typ":"JWT","alg":"ed25519-nkeyx"}') + rest, "user"))).toBe('unexpected "ed25519-nkeyx" algorithm');
    // The header is signed too in v2: a case change that passes the header check breaks the signature.
    expect(error(() => decodeClaims(b64('{"typ":"jwt","alg":"ED25519-NKEY"}') + rest, "user"))).toBe("claim failed V2 signature verification");
  });

  test("bad signatures: another key, tampered claims", async () => {
    const token = await encodeUser("u", user, acc);
    const [h, p, s] = token.split(".") as [string, string, string];
    const other = (await encodeUser("u", user, createAccount())).split(".")[2];
    expect(error(() => decodeClaims(`${h}.${p}.${other}`, "user"))).toBe("claim failed V2 signature verification");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    claims.nats.pub = { allow: [">"] };
    expect(error(() => decodeClaims(`${h}.${b64(JSON.stringify(claims))}.${s}`, "user"))).toBe("claim failed V2 signature verification");
  });

  test("kind and issuer rules", async () => {
    const token = await encodeUser("u", user, acc);
    expect(error(() => decodeClaims(token, "account"))).toBe("not account claim");
    // A user JWT signed by an operator key has an issuer of the wrong kind.
    const byOp = await encode(Algorithms.v2, { sub: user.getPublicKey(), nats: { type: "user" } } as never, op);
    expect(error(() => decodeClaims(byOp, "user"))).toBe("unable to validate expected prefixes - [account]");
    // Operator claims only from operator keys.
    const selfAcc = await encode(Algorithms.v2, { sub: op.getPublicKey(), nats: { type: "operator" } } as never, acc);
    expect(error(() => decodeClaims(selfAcc, "operator"))).toBe("unable to validate expected prefixes - [operator]");
    const newer = await encode(Algorithms.v2, { sub: user.getPublicKey(), nats: { type: "user" } } as never, acc);
    const [h, p] = newer.split(".") as [string, string];
    const c = JSON.parse(Buffer.from(p, "base64url").toString());
    c.nats.version = 3;
    expect(error(() => decodeClaims(`${h}.${b64(JSON.stringify(c))}.x`, "user"))).toBe("JWT was generated by a newer version ");
  });

  test("type mismatches in the claims fail like Go's json.Unmarshal", async () => {
    const t = await encode(Algorithms.v2, { sub: user.getPublicKey(), nats: { type: "user", subs: "many" } } as never, acc);
    expect(error(() => decodeClaims(t, "user"))).toMatch(/cannot unmarshal string/);
    const e = await encode(Algorithms.v2, { sub: acc.getPublicKey(), nats: { type: "account", exports: [{ subject: "a", type: "bogus" }] } } as never, op);
    expect(error(() => decodeClaims(e, "account"))).toBe('unknown export type "bogus"');
  });
});

describe("validation", () => {
  test("expired and not yet valid", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = decodeClaims(await encodeUser("u", user, acc, {}, { exp: now - 10 }), "user");
    expect(validateUser(expired).list.map((i) => i.text)).toEqual(["claim is expired"]);
    expect(validateUser(expired).blocking).toBe(true);
    const early = decodeClaims(await encodeUser("u", user, acc, {}, { nbf: now + 100 }), "user");
    expect(validateUser(early).list.map((i) => i.text)).toEqual(["claim is not yet valid"]);
    const fine = decodeClaims(await encodeUser("u", user, acc, {}, { exp: now + 100, nbf: now - 1 }), "user");
    expect(validateUser(fine).blocking).toBe(false);
  });

  test("user contents", async () => {
    const c = decodeClaims(
      await encodeUser("u", user, acc, { pub: { allow: ["a b"] }, src: ["nope"], times: [{ start: "25:00:00", end: "" }], locale: "x" } as never),
      "user",
    );
    expect(validateUser(c).list.map((i) => i.text)).toEqual([
      'Permission Subject "a b" is not allowed to contain queue',
      'invalid cidr "nope" in user src limits',
      'start in time range is invalid "25:00:00"',
      "time ranges end must contain an end",
    ]);
  });

  test("an account without limits may not have imports or wildcard exports (Go zero values)", async () => {
    const c = decodeClaims(
      await encodeAccount("A", acc, { exports: [{ name: "e", subject: "a.>", type: "stream" }], imports: [{ name: "i", subject: "x", account: createAccount().getPublicKey(), type: "stream" }] }, { signer: op }),
      "account",
    );
    expect(validateAccount(c).list.map((i) => i.text)).toEqual([
      "the account contains more imports than allowed by the operator",
      "the account contains more exports than allowed by the operator",
      "the account contains wildcard exports that are not allowed by the operator",
    ]);
  });

  test("activation tokens in imports are checked", async () => {
    const exporter = createAccount();
    const good = await encodeActivation("act", acc, exporter, "service", { subject: "svc.>" });
    const wrong = await encodeActivation("act", createAccount(), exporter, "service", { subject: "svc.>" });
    const c = decodeClaims(
      await encodeAccount(
        "A",
        acc,
        {
          limits: UNLIMITED,
          imports: [
            { name: "a", subject: "svc.a", account: exporter.getPublicKey(), type: "service", token: good },
            { name: "b", subject: "other.b", account: exporter.getPublicKey(), type: "service", token: wrong },
          ],
        },
        { signer: op },
      ),
      "account",
    );
    expect(validateAccount(c).list.filter((i) => i.blocking).map((i) => i.text)).toEqual([
      'activation token doesn\'t match account it is being included in, "other.b"',
      'activation token import subject "svc.>" doesn\'t match import "other.b"',
    ]);
  });

  test("subject containment", () => {
    expect(isContainedIn("a.b", "a.*")).toBe(true);
    expect(isContainedIn("a.b.c", "a.>")).toBe(true);
    expect(isContainedIn("a", "a.>")).toBe(false);
    expect(isContainedIn("a.b", "a.c")).toBe(false);
    expect(isContainedIn("a.*", "a.>")).toBe(true);
  });

  test("clock times", () => {
    expect(isClockTime("09:00:00")).toBe(true);
    expect(isClockTime("9:00:00")).toBe(true);
    expect(isClockTime("23:59:59")).toBe(true);
    expect(isClockTime("24:00:00")).toBe(false);
    expect(isClockTime("9:0:00")).toBe(false);
  });
});

describe("CIDRs", () => {
  test("IPv4 and IPv6", () => {
    const net = parseCIDR("10.1.0.0/16")!;
    expect(cidrContains(net, parseIP("10.1.2.3")!)).toBe(true);
    expect(cidrContains(net, parseIP("10.2.2.3")!)).toBe(false);
    expect(cidrContains(parseCIDR("127.0.0.1/32")!, parseIP("::ffff:127.0.0.1")!)).toBe(true);
    expect(cidrContains(parseCIDR("::1/128")!, parseIP("::1")!)).toBe(true);
    expect(cidrContains(parseCIDR("2001:db8::/32")!, parseIP("2001:db8:1::5")!)).toBe(true);
    expect(cidrContains(parseCIDR("2001:db8::/32")!, parseIP("10.0.0.1")!)).toBe(false);
    expect(parseCIDR("10.0.0.0/33")).toBeNull();
    expect(parseCIDR("10.0.0.01/8")).toBeNull();
    expect(parseCIDR("10.0.0.0")).toBeNull();
    expect(parseIP("1:2:3:4:5:6:7:8:9")).toBeNull();
  });
});

describe("creds and decorated files", () => {
  test("a .creds file from the JS library", async () => {
    const token = await encodeUser("u", user, acc);
    const text = new TextDecoder().decode(fmtCreds(token, user));
    const creds = parseCreds(text);
    expect(creds.jwt).toBe(token);
    expect(creds.seed).toBe(new TextDecoder().decode(user.getSeed()));
    expect(parseDecoratedJWT(text)).toBe(token);
  });

  test("CRLF line ends, and a bare JWT", async () => {
    const token = await encodeOperator("OP", op);
    const text = `-----BEGIN NATS OPERATOR JWT-----\r\n${token}\r\n------END NATS OPERATOR JWT------\r\n`;
    expect(parseDecoratedJWT(text)).toBe(token);
    expect(parseDecoratedJWT(token)).toBe(token);
  });

  test("a seed on its own line when there is no second block", async () => {
    const token = await encodeUser("u", user, acc);
    const seed = new TextDecoder().decode(user.getSeed());
    const text = `-----BEGIN NATS USER JWT-----\n${token}\n------END NATS USER JWT------\n\n${seed}\n`;
    expect(parseCreds(text)).toEqual({ jwt: token, seed });
    // As in Go, an indented seed line is found but then refused.
    expect(() => parseCreds(text.replace(seed, `  ${seed}`))).toThrow("doesn't contain a seed nkey");
    expect(() => parseCreds(`-----BEGIN X-----\n${token}\n------END X------\n`)).toThrow("no nkey seed found");
  });
});
