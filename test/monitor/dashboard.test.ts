// /dashboard in a headless Chromium (the Debian package, driven by
// puppeteer-core): under a running publisher and subscribers, its charts get
// points and keep getting them, the connection table fills in and re-sorts
// when a heading is clicked, and it works under http_base_path.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { tempDir, writeConf } from "../helpers/conf.ts";
import { monitorBase } from "../helpers/monitor.ts";
import { startServer, type RunningServer } from "../helpers/servers.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard.test.ts: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!haveChromium)("dashboard", () => {
  let server: RunningServer;
  let base: string;
  let browser: Browser;
  const clients: NatsConnection[] = [];
  let load: ReturnType<typeof setInterval>;
  const dir = tempDir("nats-bun-dashboard-");

  beforeAll(async () => {
    server = await startServer(["-c", writeConf("http_port: -1\nhttp_base_path: /mon\n", "server.conf", dir)]);
    base = `${await monitorBase(server)}/mon`;
    const servers = `127.0.0.1:${server.port}`;
    const pub = await connect({ servers, name: "publisher" });
    for (const name of ["sub-b", "sub-a", "watcher"]) {
      const nc = await connect({ servers, name });
      nc.subscribe(name === "watcher" ? "other.>" : "load.>", { callback: () => {} });
      clients.push(nc);
    }
    clients.push(pub);
    const payload = new Uint8Array(128);
    load = setInterval(() => {
      for (let i = 0; i < 200; i++) pub.publish(`load.${i % 4}`, payload);
    }, 10);
    const args = ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage"];
    if (process.getuid?.() === 0) args.push("--no-sandbox");
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args });
  });

  afterAll(async () => {
    clearInterval(load);
    await browser?.close();
    await Promise.all(clients.map((nc) => nc.close()));
    await server?.stop();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${base}/dashboard`);
    return { page, errors };
  }

  const points = (page: Page, id: string): Promise<number> =>
    page.$eval(`#${id}`, (c) => Number((c as HTMLElement).dataset.points));

  /** The cid column (ints) or another column's text, in table order. */
  const column = (page: Page, index: number): Promise<string[]> =>
    page.$$eval(`#conns tbody tr`, (rows, i) => rows.map((r) => r.children[i as number]!.textContent ?? ""), index);

  test("charts fill and keep updating; the table sorts by the heading clicked", async () => {
    const { page, errors } = await open();
    // Rates need two polls, so the message chart is one point behind the others.
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#chart-msgs")!.dataset.points) >= 2, {
      timeout: 10_000,
    });
    const first = await points(page, "chart-conns");
    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>("#chart-conns")!.dataset.points) > (n as number),
      { timeout: 10_000 },
      first,
    );
    for (const id of ["chart-msgs", "chart-bytes", "chart-conns", "chart-subs", "chart-slow", "chart-links"]) {
      expect(await points(page, id)).toBeGreaterThanOrEqual(2);
    }
    // The publisher is running: the in-rate shown is not zero.
    const shown = await page.$eval("#chart-msgs", (c) => c.closest(".card")!.querySelector("[data-last]")!.textContent);
    expect(shown).not.toBe("0");
    expect(await page.$eval("#name", (e) => e.textContent)).toBeTruthy();
    expect(await page.$eval("#version", (e) => e.textContent)).toBe("2.9.10");

    // The table: four clients, by cid at first.
    await page.waitForFunction(() => document.querySelectorAll("#conns tbody tr").length >= 4, { timeout: 10_000 });
    const cids = (await column(page, 0)).map(Number);
    expect(cids).toEqual([...cids].sort((a, b) => a - b));

    // "msgs in": connz's msgs_from, the publisher first.
    await page.click('th[data-key="in_msgs"]');
    await page.waitForSelector('#conns[data-sort="in_msgs"]');
    expect((await column(page, 1))[0]).toBe("publisher");

    // "name" is sorted in the page; a second click reverses it.
    await page.click('th[data-key="name"]');
    await page.waitForSelector('#conns[data-sort="name"]');
    expect(await column(page, 1)).toEqual(["publisher", "sub-a", "sub-b", "watcher"]);
    await page.click('th[data-key="name"]');
    await page.waitForSelector('#conns[data-sort="name:reversed"]');
    expect(await column(page, 1)).toEqual(["watcher", "sub-b", "sub-a", "publisher"]);
    expect(await page.$eval('th[data-key="name"]', (th) => th.className)).toContain("sorted");

    const shot = join(dir, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("no external assets: every request stays on the monitoring port", async () => {
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(`${base}/dashboard`);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#chart-conns")!.dataset.points) >= 2, {
      timeout: 10_000,
    });
    const origin = new URL(base).origin;
    expect(urls.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    const paths = new Set(urls.map((u) => new URL(u).pathname));
    for (const p of ["/mon/dashboard", "/mon/varz", "/mon/connz"]) expect(paths.has(p)).toBe(true);
    await page.close();
  }, 20_000);
});
