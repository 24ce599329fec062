// A real browser on the WebSocket port: headless Chromium (Debian's
// package, driven by puppeteer-core) opens a page served by this test; the
// page's script (@nats-io/nats-core's wsconnect, bundled by Bun for the
// browser) subscribes, publishes, and makes a request that a TCP client of
// this test answers, then shows what it got. The server checks the page's
// Origin against allowed_origins.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import puppeteer, { type Browser } from "puppeteer-core";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { startServer, type RunningServer } from "../helpers/servers.ts";
import { wsPort } from "../helpers/ws.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser.test.ts: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);


describe.skipIf(!haveChromium)("browser over websocket", () => {
  const dir = tempDir("nats-bun-browser-");
  let server: RunningServer;
  let page: Bun.Server<undefined>;
  let browser: Browser;
  let tcp: NatsConnection;

  beforeAll(async () => {
    const entry = join(import.meta.dir, "fixtures", "browser-page.ts");
    const built = await Bun.build({ entrypoints: [entry], target: "browser", format: "esm" });
    if (!built.success) throw new Error(built.logs.join("\n"));
    const script = await built.outputs[0]!.text();
    page = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/page.js") return new Response(script, { headers: { "Content-Type": "text/javascript" } });
        return new Response(
          `<!doctype html><html><body><h1>nats-bun over WebSocket</h1>
          <p>status: <b id="status">loading</b></p><p>echo: <b id="echo"></b></p>
          <p>pushed: <b id="pushed"></b></p><p>reply: <b id="reply"></b></p>
          <script type="module" src="/page.js"></script></body></html>`,
          { headers: { "Content-Type": "text/html" } },
        );
      },
    });
    const conf = `websocket { port: -1, no_tls: true, compression: true, allowed_origins: ["http://127.0.0.1:${page.port}"] }\n`;
    server = await startServer(["-c", writeConf(conf, "server.conf", dir)]);
    tcp = await connect({ servers: `127.0.0.1:${server.port}`, name: "tcp responder" });
    tcp.subscribe("svc.time", { callback: (_e, m) => void m.respond(`it is ${new Date(0).toISOString()}`) });
    tcp.subscribe("browser.ready", { callback: () => tcp.publish("to.browser", "pushed over TCP") });
    await tcp.flush();
    const args = ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage"];
    if (process.getuid?.() === 0) args.push("--no-sandbox");
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args });
  });

  afterAll(async () => {
    await browser?.close();
    await tcp?.close();
    await server?.stop();
    page?.stop(true);
  });

  test("the page subscribes, publishes, gets a push and a reply from a TCP client", async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(String(e)));
    await tab.goto(`http://127.0.0.1:${page.port}/?ws=${encodeURIComponent(`ws://127.0.0.1:${await wsPort(server)}`)}`);
    await tab.waitForFunction(() => /done|error/.test(document.getElementById("status")!.textContent ?? ""), { timeout: 15_000 });
    const text = (id: string): Promise<string> => tab.$eval(`#${id}`, (e) => e.textContent ?? "");
    expect(await text("status")).toBe("done");
    expect(await text("echo")).toBe("hello from the page");
    expect(await text("pushed")).toBe("pushed over TCP");
    expect(await text("reply")).toBe("it is 1970-01-01T00:00:00.000Z");
    expect(errors).toEqual([]);
    const shot = join(dir, "websocket-browser.png");
    await tab.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
  });

  test("a page from an origin not in allowed_origins is refused", async () => {
    const tab = await browser.newPage();
    // Same page, reached through another host name: its Origin is not the allowed one.
    await tab.goto(`http://localhost:${page.port}/?ws=${encodeURIComponent(`ws://127.0.0.1:${await wsPort(server)}`)}`);
    await tab.waitForFunction(() => /done|error/.test(document.getElementById("status")!.textContent ?? ""), { timeout: 15_000 });
    expect(await tab.$eval("#status", (e) => e.textContent ?? "")).toStartWith("error");
    await server.waitLog("origin not allowed: not in the allowed list");
  });
});
