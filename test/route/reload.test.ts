// The cluster block on SIGHUP, nats-bun against nats-server 2.9.10: routes
// added are dialed, routes removed are closed and not dialed again, a
// changed cluster authorization closes the accepted routes that no longer
// pass it, a new name is taken, and host/port changes are refused with
// 2.9.10's message. The lines each server logs for the reload are compared.

import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { haveReference, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";
import { flows, freePort, until } from "../helpers/cluster.ts";
import { binOf, type Impl } from "../helpers/leaf.ts";

const IMPLS: Impl[] = haveReference ? ["ref", "ours"] : ["ours"];
const running: RunningServer[] = [];
const conns: NatsConnection[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const s of running) await s.stop();
});

async function client(s: RunningServer): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${s.port}`, reconnect: false });
  conns.push(nc);
  return nc;
}

interface Reloadable {
  server: RunningServer;
  /** Rewrites the config file and sends SIGHUP; resolves once the reload is logged (done or failed). */
  reload(conf: string): Promise<string[]>;
}

/** What a reload logged: its own lines and the route closes it caused, without times, pids and addresses. */
function reloadLines(log: string): string[] {
  return log
    .split("\n")
    .filter((l) => /Reloaded|reload|Removed route|Cluster name updated|Route Removed|authentication error/.test(l))
    // 2.9.10 logs these two on every reload (its own system account entries differ); not about routes.
    .filter((l) => !/Reloaded: (authorization users|accounts)$/.test(l))
    .map((l) =>
      l
        .replace(/^.*?\[(INF|WRN|ERR|DBG)\] /, "[$1] ")
        .replace(/^(\[\w+\]) [^ ]+ - rid:\d+ - /, "$1 ")
        .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT")
        .replace(/=\d+(?=,|$)/g, "=N"),
    );
}

async function start(impl: Impl, conf: string): Promise<Reloadable> {
  const path = writeConf(conf);
  const server = await startServer(["-c", path], { bin: binOf(impl) });
  running.push(server);
  await server.waitLog("Listening for route connections");
  return {
    server,
    async reload(next: string): Promise<string[]> {
      const before = server.log().length;
      writeFileSync(path, next);
      server.proc.kill("SIGHUP");
      await until(() => /Reloaded server configuration|Failed to reload/.test(server.log().slice(before)));
      // Route closes the reload causes follow at once.
      await Bun.sleep(150);
      return reloadLines(server.log().slice(before));
    },
  };
}

const block = (port: number, body = ""): string => `cluster { name: RL, listen: "127.0.0.1:${port}"${body} }\n`;

/** Runs `scenario` on each implementation as the reloaded server and compares what each logged. */
async function compare(scenario: (impl: Impl) => Promise<string[]>): Promise<void> {
  const got: Partial<Record<Impl, string[]>> = {};
  for (const impl of IMPLS) got[impl] = await scenario(impl);
  if (haveReference) expect(got.ours).toEqual(got.ref);
}

describe("reloading the cluster block", () => {
  test("a route added is dialed", async () => {
    await compare(async (impl) => {
      const [pa, pb] = [freePort(), freePort()];
      const b = await start("ours", block(pb));
      const a = await start(impl, block(pa));
      const lines = await a.reload(block(pa, `, routes: ["nats-route://127.0.0.1:${pb}"]`));
      await flows(await client(a.server), await client(b.server), "reload.added");
      return lines;
    });
  });

  test("a route removed is closed and not dialed again", async () => {
    await compare(async (impl) => {
      const [pa, pb] = [freePort(), freePort()];
      const b = await start(impl === "ours" && haveReference ? "ref" : "ours", block(pb));
      const a = await start(impl, block(pa, `, routes: ["nats-route://127.0.0.1:${pb}"]`));
      await flows(await client(a.server), await client(b.server), "reload.before");
      const lines = await a.reload(block(pa));
      const created = (a.server.log().match(/Route connection created/g) ?? []).length;
      // Configured routes are dialed again a second after they close: this one is not.
      await Bun.sleep(1500);
      expect((a.server.log().match(/Route connection created/g) ?? []).length).toBe(created);
      return lines;
    });
  });

  test("a new route password closes the accepted routes that no longer pass", async () => {
    await compare(async (impl) => {
      const [pa, pb] = [freePort(), freePort()];
      const auth = (pw: string): string => `, authorization { user: ru, password: ${pw} }`;
      const a = await start(impl, block(pa, auth("rp")));
      const b = await start("ours", block(pb, `, routes: ["nats-route://ru:rp@127.0.0.1:${pa}"]`));
      await flows(await client(a.server), await client(b.server), "reload.auth");
      const lines = await a.reload(block(pa, auth("other")));
      // The peer's next attempts are refused too.
      await until(() => (a.server.log().match(/authentication error/g) ?? []).length >= 2);
      return lines;
    });
  });

  test("a new name is taken", async () => {
    await compare(async (impl) => {
      const pa = freePort();
      const a = await start(impl, block(pa));
      const lines = await a.reload(`cluster { name: RENAMED, listen: "127.0.0.1:${pa}" }\n`);
      const nc = await client(a.server);
      expect(nc.info?.cluster).toBe("RENAMED");
      return lines;
    });
  });

  for (const peer of IMPLS) {
    test(`new cluster permissions send interest again (peer ${peer})`, async () => {
      await compare(async (impl) => {
        const [pa, pb] = [freePort(), freePort()];
        const perms = `, permissions { import { deny: ["imp.>"] }, export { deny: ["exp.>"] } }`;
        const a = await start(impl, block(pa, perms));
        const b = await start(peer, block(pb, `, routes: ["nats-route://127.0.0.1:${pa}"]`));
        const [ca, cb] = [await client(a.server), await client(b.server)];
        const blocked = { imp: 0, exp: 0 };
        ca.subscribe("imp.x", { callback: () => void blocked.imp++ });
        cb.subscribe("exp.x", { callback: () => void blocked.exp++ });
        // Messages on one route keep their order: once the next one arrives, the blocked one would have too.
        await flows(cb, ca, "open.ba");
        await flows(ca, cb, "open.ab");
        cb.publish("imp.x");
        ca.publish("exp.x");
        await flows(cb, ca, "open.ba2");
        await flows(ca, cb, "open.ab2");
        expect(blocked).toEqual({ imp: 0, exp: 0 });
        const lines = await a.reload(block(pa));
        // A now advertises imp.x (it may import it) and the peer re-sends exp.x (A now exports it).
        await flows(cb, ca, "imp.x");
        await flows(ca, cb, "exp.x");
        return lines;
      });
    });
  }

  test("host and port cannot change", async () => {
    await compare(async (impl) => {
      const pa = freePort();
      const a = await start(impl, block(pa));
      const port = await a.reload(block(pa + 1));
      const host = await a.reload(`cluster { name: RL, listen: "127.0.0.2:${pa}" }\n`);
      return [...port, ...host];
    });
  });
});
