// Seed 004: one server with static nkey accounts and one in operator mode,
// bridged by a route. The static accounts are named by the operator
// accounts' public keys, so interest and messages line up per account; a
// static nkey user and a JWT user of the same account reach each other, and
// other accounts stay apart. Every pairing of nats-bun and 2.9.10.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { binOf, type Impl } from "../helpers/leaf.ts";
import { freePort } from "../helpers/cluster.ts";
import { mintWorld, signNonce, type World } from "../jwt/fixture.ts";

let world: World;
const running: RunningServer[] = [];
beforeAll(async () => {
  world = await mintWorld();
});
afterAll(async () => {
  for (const s of running) await s.stop();
});

function nonceOf(text: string): string {
  return (JSON.parse(/^INFO (\{.*\}) \r\n/.exec(text)![1]!) as { nonce: string }).nonce;
}

/** A raw client signed in with an nkey (static side) or a user JWT (operator side). */
async function signedIn(port: number, user: { key: string; seed: string; jwt?: string }): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.waitFor("\r\n");
  const sig = signNonce(user.seed, nonceOf(c.text));
  const creds = user.jwt !== undefined ? `"jwt":"${user.jwt}","sig":"${sig}"` : `"nkey":"${user.key}","sig":"${sig}"`;
  expect(await c.transact(`CONNECT {"verbose":false,${creds}}\r\n`)).toBe("PONG\r\n");
  return c;
}

async function until(pred: () => boolean, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !pred()) await Bun.sleep(25);
  if (!pred()) throw new Error("condition not met in time");
}

const PAIRS: Array<[Impl, Impl]> = haveReference
  ? [
      ["ours", "ref"],
      ["ref", "ours"],
      ["ours", "ours"],
    ]
  : [["ours", "ours"]];

describe("static nkey accounts bridged to operator accounts", () => {
  for (const [staticImpl, opImpl] of PAIRS) {
    test(`static ${staticImpl}, operator ${opImpl}`, async () => {
      const ps = freePort();
      const po = freePort();
      const a = world.keys.a;
      const b = world.keys.b;
      const ua = world.users.a!;
      const ub = world.users.b!;
      const staticConf = `accounts {
  ${a}: { users: [{ nkey: ${ua.key} }] }
  ${b}: { users: [{ nkey: ${ub.key} }] }
}
cluster { name: bridge, listen: "127.0.0.1:${ps}", routes: ["nats-route://127.0.0.1:${po}"] }
`;
      const st = await startServer(["-c", writeConf(staticConf)], { bin: binOf(staticImpl) });
      const op = await startServer(["-c", world.conf(`cluster { name: bridge, listen: "127.0.0.1:${po}", routes: ["nats-route://127.0.0.1:${ps}"] }`)], { bin: binOf(opImpl) });
      running.push(st, op);
      const onStatic = await signedIn(st.port, { key: ua.key, seed: ua.seed });
      const onStaticB = await signedIn(st.port, { key: ub.key, seed: ub.seed });
      const onOp = await signedIn(op.port, ua);
      await onStatic.transact("SUB bridge.> 1\r\n");
      await onStaticB.transact("SUB bridge.> 1\r\n");
      await onOp.transact("SUB back.> 1\r\n");
      // Interest crosses the route asynchronously: publish until it arrives.
      await until(() => {
        onOp.write("PUB bridge.x 2\r\nhi\r\n");
        return onStatic.text.includes("MSG bridge.x 1 2\r\nhi\r\n");
      });
      await until(() => {
        onStatic.write("PUB back.y 3\r\nyes\r\n");
        return onOp.text.includes("MSG back.y 1 3\r\nyes\r\n");
      });
      await Bun.sleep(200);
      // Account B saw nothing of account A's traffic.
      expect(onStaticB.text).not.toContain("MSG bridge.x");
    });
  }
});
