// Server PINGs, on nats-bun and nats-server 2.9.10 alike: the first comes
// about 2 s after CONNECT (min(ping_interval, 2 s) plus jitter) whatever the
// client did, to measure the RTT; later ones only after a ping_interval with
// no activity and no PING from the client. Assertions wait for events (with
// generous bounds), they never measure time.

import { afterEach, describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";

const servers: [string, string][] = [["nats-bun", NATS_BUN]];
if (haveReference) servers.push(["nats-server", NATS_SERVER]);
const names = servers.map(([name]) => name).join(" and ");

/** Runs `check` on every server at once (the waits overlap); a failure names its server. */
async function onEach(check: (bin: string) => Promise<void>): Promise<void> {
  await Promise.all(
    servers.map(([name, bin]) =>
      check(bin).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      }),
    ),
  );
}

const running: RunningServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

async function client(port: number, after: string): Promise<{ c: RawClient; cid: number }> {
  const c = await RawClient.connect(port);
  clients.push(c);
  const info = await c.waitFor("\r\n");
  const cid = (JSON.parse(/^INFO (\{.*\}) \r\n/.exec(info)![1]!) as { client_id: number }).client_id;
  c.write(`CONNECT {"verbose":false}\r\n${after}`);
  return { c, cid };
}

const pings = (c: RawClient): number => c.text.split("PING\r\n").length - 1;

/** Answers every server PING with PONG until `stop` resolves. */
async function answerPings(c: RawClient, stop: Promise<unknown>): Promise<void> {
  let done = false;
  const end = (): void => {
    done = true;
  };
  stop.then(end, end);
  let answered = 0;
  while (!done && !c.closed) {
    for (const n = pings(c); answered < n; answered++) c.write("PONG\r\n");
    await Bun.sleep(10);
  }
}

describe("the first PING after CONNECT", () => {
  test(`${names}: comes within 4 s with the default ping_interval, also to a client that pinged`, async () => {
    await onEach(async (bin) => {
      const s = await startServer([], { bin });
      running.push(s);
      const quiet = await client(s.port, "");
      const pinger = await client(s.port, "PING\r\n");
      await pinger.c.waitFor("PONG\r\n");
      await Promise.all([quiet.c.waitFor("PING\r\n", 4000), pinger.c.waitFor(/PONG\r\n(.|\r\n)*PING\r\n/, 4000)]);
      expect(quiet.c.closed || pinger.c.closed).toBe(false);
    });
  });
});

describe("PINGs after the first (ping_interval 1s)", () => {
  test(`${names}: an idle client that answers gets one every interval; activity or its own PINGs hold them back`, async () => {
    await onEach(async (bin) => {
      const s = await startServer(["-D", "-c", writeConf('ping_interval: "1s"')], { bin });
      running.push(s);
      const idle = await client(s.port, "");
      const pinger = await client(s.port, "");
      const publisher = await client(s.port, "SUB x 1\r\n");
      // PONGs answer the server but are no activity: the PINGs keep coming.
      const threePings = idle.c.waitFor((t) => t.split("PING\r\n").length - 1 >= 3, 8000);
      const busy = (async () => {
        while (!(await Promise.race([threePings.then(() => true), Bun.sleep(250).then(() => false)]))) {
          pinger.c.write("PING\r\n");
          publisher.c.write("PUB x 1\r\na\r\n");
        }
      })();
      await Promise.all([threePings, busy, ...[idle, pinger, publisher].map((x) => answerPings(x.c, threePings))]);
      await s.waitLog(new RegExp(` - cid:${pinger.cid} - Delaying PING due to remote ping \\ds ago`), 4000);
      await s.waitLog(new RegExp(` - cid:${publisher.cid} - Delaying PING due to client activity \\ds ago`), 4000);
      // Whatever they did, the first PING reached them both (the RTT measurement).
      expect(pings(pinger.c)).toBeGreaterThanOrEqual(1);
      expect(pings(publisher.c)).toBeGreaterThanOrEqual(1);
      expect(s.log()).toContain(` - cid:${idle.cid} - Client Ping Timer`);
      expect(idle.c.closed).toBe(false);
    });
  }, 20_000);
});
