// Runs one scenario against one server binary: one raw connection per user,
// the steps in order, and after each step a PING barrier (the acting client
// first, then all the others) so everything the step caused has arrived.
// Returns what every client received, per step.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { startServer, type RunningServer } from "../helpers/servers.ts";
import { denyCovers, renderConf, type Scenario, type Step, type User } from "./scenario.ts";

export interface Delivery {
  /** The receiving connection (user name). */
  client: string;
  sid: string;
  /** Queue group of the receiving subscription, null for a plain one. */
  queue: string | null;
  subject: string;
  reply: string | null;
  /** Header block of an HMSG (null for MSG). */
  hdr: string | null;
  payload: string;
}

export interface StepOutcome {
  deliveries: Delivery[];
  /** -ERR lines (and "CLOSED"/"NO PONG") per client. */
  errs: Record<string, string[]>;
  /** For a reply step: where the reply went (or that there was nothing to reply to). */
  note: string | null;
}

export type RunResult =
  | { refused: string }
  /** `log`: the server's log, for when it closed connections or died. */
  | { refused: null; setup: StepOutcome; steps: StepOutcome[]; log: string };

const PONG_TIMEOUT_MS = 3000;

/** A raw client that parses MSG/HMSG/PONG/-ERR as bytes arrive. */
class Conn {
  private buf = "";
  private pongs: Array<(ok: boolean) => void> = [];
  private dead = false;
  deliveries: Delivery[] = [];
  errs: string[] = [];
  /** sid → queue name (null: plain), from this client's SUBs. */
  readonly queues = new Map<string, string | null>();

  private constructor(
    readonly name: string,
    private sock: Socket<undefined> | null,
  ) {}

  /** Connects; a refused connection (the server died) gives a dead Conn that records it. */
  static async open(name: string, port: number): Promise<Conn> {
    let c: Conn | null = null;
    const dec = new TextDecoder("latin1");
    try {
      const sock = await Bun.connect<undefined>({
        hostname: "127.0.0.1",
        port,
        socket: {
          data: (_s, d) => c!.onData(dec.decode(d)),
          close: () => c!.onClose(),
          error: () => c!.onClose(),
        },
      });
      c = new Conn(name, sock);
    } catch (e) {
      c = new Conn(name, null);
      c.dead = true;
      c.errs.push(`CONNECT FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
    return c;
  }

  write(s: string): void {
    if (this.sock === null || this.dead) return;
    // Bun may take fewer bytes than given; our writes are tiny, so that would be a bug here.
    if (this.sock.write(s) !== Buffer.byteLength(s)) throw new Error("short write");
  }

  /** Sends PING and resolves once the PONG (or the close, or a timeout) arrives. */
  ping(): Promise<void> {
    if (this.dead) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Pongs are matched in order; after a lost one, nothing can be trusted.
        this.errs.push("NO PONG");
        this.kill();
      }, PONG_TIMEOUT_MS);
      this.pongs.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.write("PING\r\n");
    });
  }

  private onClose(): void {
    if (!this.dead) this.errs.push("CLOSED");
    this.kill();
  }

  private kill(): void {
    this.dead = true;
    for (const p of this.pongs.splice(0)) p(false);
  }

  close(): void {
    this.sock?.end();
    this.sock = null;
    this.dead = true;
  }

  private onData(text: string): void {
    this.buf += text;
    for (;;) {
      const eol = this.buf.indexOf("\r\n");
      if (eol < 0) return;
      const line = this.buf.slice(0, eol);
      const [op, ...args] = line.split(" ");
      if (op === "MSG" || op === "HMSG") {
        // MSG subj sid [reply] size / HMSG subj sid [reply] hsize tsize
        const sizes = op === "MSG" ? 1 : 2;
        const total = Number(args[args.length - 1]);
        const hsize = op === "HMSG" ? Number(args[args.length - 2]) : 0;
        const end = eol + 2 + total + 2;
        if (this.buf.length < end) return; // the payload is still on its way
        const body = this.buf.slice(eol + 2, eol + 2 + total);
        const sid = args[1]!;
        this.deliveries.push({
          client: this.name,
          sid,
          queue: this.queues.get(sid) ?? null,
          subject: args[0]!,
          reply: args.length === 2 + sizes + 1 ? args[2]! : null,
          hdr: op === "HMSG" ? body.slice(0, hsize) : null,
          payload: body.slice(hsize),
        });
        this.buf = this.buf.slice(end);
        continue;
      }
      this.buf = this.buf.slice(eol + 2);
      if (op === "PONG") this.pongs.shift()?.(true);
      else if (op === "PING") this.write("PONG\r\n");
      else if (op === "-ERR") this.errs.push(line);
      // INFO and +OK carry nothing to compare.
    }
  }
}

let confDir: string | null = null;
let confSeq = 0;

/** Starts `bin` with the scenario's config; null server and the log when it refuses. */
async function start(s: Scenario, bin: string): Promise<{ srv: RunningServer | null; log: string; path: string }> {
  if (confDir === null) {
    const dir = mkdtempSync(join(tmpdir(), "difftest-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    confDir = dir;
  }
  const path = join(confDir, `s${process.pid}-${++confSeq}.conf`);
  writeFileSync(path, renderConf(s));
  try {
    return { srv: await startServer(["-c", path], { bin }), log: "", path };
  } catch (e) {
    return { srv: null, log: String(e instanceof Error ? e.message : e), path };
  }
}

/** The reply a "reply" step answers: the last reply seen, in a server-independent order. */
function lastReply(ds: Delivery[], user: User | undefined): string | null {
  // Within one step the order of a client's deliveries may differ between the
  // servers, so take the greatest by a stable key; skip what the deny list
  // covers (2.9.10 leaks those, and they are dropped before comparing).
  const withReply = ds.filter((d) => d.reply !== null && !denyCovers(user, d.subject, d.queue));
  withReply.sort((a, b) => (deliveryKey(a) < deliveryKey(b) ? -1 : 1));
  return withReply.at(-1)?.reply ?? null;
}

/**
 * Normalized text of a delivery: random `_R_` tokens and the rtt are masked.
 * `sid` and `subject` can be left out (for queue groups, see compare.ts).
 */
export function deliveryKey(d: Delivery, opts: { sid: boolean; subject: boolean } = { sid: true, subject: true }): string {
  // Response subjects are random; a stream import may have put a prefix before one.
  const norm = (s: string): string => s.replace(/_R_\.[^.]+\.[^.]+/, "_R_");
  const hdr = d.hdr === null ? "" : ` hdr=${JSON.stringify(d.hdr.replace(/"rtt":-?[\d.e+-]+/g, '"rtt":_'))}`;
  // Which of a client's matching subscriptions gets a no-responders status is
  // random in 2.9.10 (a Go map in the sublist node), so its sid is not compared.
  const sid = opts.sid && !d.hdr?.startsWith("NATS/1.0 503") ? ` sid=${d.sid}` : "";
  return `${opts.subject ? norm(d.subject) : "*"}${sid} reply=${d.reply === null ? "-" : norm(d.reply)}${hdr} ${d.payload}`;
}

function wire(st: Step, reply: string | null): string {
  switch (st.op) {
    case "sub":
      return `SUB ${st.subject}${st.queue === null ? "" : " " + st.queue} ${st.sid}\r\n`;
    case "unsub":
      return `UNSUB ${st.sid}${st.max === null ? "" : " " + st.max}\r\n`;
    case "pub": {
      const rp = st.reply === null ? "" : " " + st.reply;
      if (st.header === null) return `PUB ${st.subject}${rp} ${st.payload.length}\r\n${st.payload}\r\n`;
      const h = `NATS/1.0\r\n${st.header}\r\n\r\n`;
      return `HPUB ${st.subject}${rp} ${h.length} ${h.length + st.payload.length}\r\n${h}${st.payload}\r\n`;
    }
    case "reply":
      return reply === null ? "" : `PUB ${reply} ${st.payload.length}\r\n${st.payload}\r\n`;
  }
}

export async function runScenario(s: Scenario, bin: string): Promise<RunResult> {
  const { srv, log, path } = await start(s, bin);
  if (srv === null) {
    rmSync(path, { force: true });
    return { refused: log.replace(/^server log never showed .*; log:\n/, "").trim() || "refused" };
  }
  const conns: Conn[] = [];
  try {
    const userOf = new Map(s.users.map((u) => [u.name, u]));
    for (const u of s.users) {
      const c = await Conn.open(u.name, srv.port);
      c.write(
        `CONNECT ${JSON.stringify({ user: u.name, pass: "p", verbose: false, pedantic: false, headers: true, no_responders: u.noResponders, protocol: 1, echo: true })}\r\n`,
      );
      conns.push(c);
    }
    const byName = new Map(conns.map((c) => [c.name, c]));
    const collect = (note: string | null): StepOutcome => {
      const out: StepOutcome = { deliveries: [], errs: {}, note };
      for (const c of conns) {
        out.deliveries.push(...c.deliveries.splice(0));
        const errs = c.errs.splice(0);
        if (errs.length > 0) out.errs[c.name] = errs;
      }
      return out;
    };
    await Promise.all(conns.map((c) => c.ping()));
    const setup = collect(null);

    const replyTo = new Map<string, string>();
    const steps: StepOutcome[] = [];
    for (const st of s.steps) {
      const c = byName.get(st.client)!;
      const reply = st.op === "reply" ? (replyTo.get(c.name) ?? null) : null;
      if (st.op === "sub") c.queues.set(String(st.sid), st.queue);
      c.write(wire(st, reply));
      await c.ping();
      await Promise.all(conns.filter((o) => o !== c).map((o) => o.ping()));
      const note = st.op !== "reply" ? null : reply === null ? "nothing to reply to" : `to ${reply.startsWith("_R_.") ? "_R_" : reply}`;
      const out = collect(note);
      for (const o of conns) {
        const r = lastReply(
          out.deliveries.filter((d) => d.client === o.name),
          userOf.get(o.name),
        );
        if (r !== null) replyTo.set(o.name, r);
      }
      steps.push(out);
    }
    return { refused: null, setup, steps, log: srv.log() };
  } finally {
    for (const c of conns) c.close();
    await srv.stop();
    rmSync(path, { force: true });
  }
}
