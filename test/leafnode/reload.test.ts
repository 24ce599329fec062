// Reload of the leafnodes block (SIGHUP), as nats-server 2.9.10 allows it:
// remotes reordered is fine, a remote added or changed is refused (the
// list is not reloaded), and the running connection is kept either way.

import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { writeConf } from "../helpers/conf.ts";

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

const remotes = (urls: string[]): string => `leafnodes { remotes: [${urls.map((u) => `{ url: "${u}" }`).join(", ")}] }\n`;

test("remotes reordered reload, remotes changed are refused", async () => {
  for (const bin of haveReference ? [undefined, NATS_SERVER] : [undefined]) {
    const path = writeConf(remotes(["nats-leaf://127.0.0.1:1", "nats-leaf://127.0.0.1:2"]));
    const s = await startServer(["-c", path], { bin });
    running.push(s);
    writeFileSync(path, remotes(["nats-leaf://127.0.0.1:2", "nats-leaf://127.0.0.1:1"]));
    s.proc.kill("SIGHUP");
    await s.waitLog("Reloaded server configuration");
    writeFileSync(path, remotes(["nats-leaf://127.0.0.1:3"]));
    s.proc.kill("SIGHUP");
    await s.waitLog(/Failed to reload server configuration: config reload not supported for LeafNode/);
    expect(s.proc.exitCode).toBeNull();
  }
});
