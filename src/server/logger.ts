// Log lines in the reference server's form:
//   [pid] 2026/11/21 12:00:00.000000 [INF] message
// to stderr, or to log_file when set. Writes are synchronous: logging is rare
// off the trace path, and a line must not be lost at a crash or exit.

import { closeSync, openSync, writeSync } from "node:fs";
import { fixedUtcOffset } from "./localtime.ts";

export interface LoggerOptions {
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  logtimeUTC: boolean;
  logFile?: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

export class Logger {
  private fd = 2;
  private opts: LoggerOptions;
  private readonly prefix = `[${process.pid}] `;

  constructor(opts: LoggerOptions) {
    this.opts = { ...opts };
    this.openFile();
  }

  /** Applies new options (reload). Reopens the file when it changed. */
  configure(opts: LoggerOptions): void {
    const fileChanged = opts.logFile !== this.opts.logFile;
    this.opts = { ...opts };
    if (fileChanged) this.reopen();
  }

  get debugEnabled(): boolean {
    return this.opts.debug;
  }
  get traceEnabled(): boolean {
    return this.opts.trace;
  }

  /** SIGUSR1: reopen the log file (log rotation). */
  reopen(): void {
    if (this.fd !== 2) closeSync(this.fd);
    this.fd = 2;
    this.openFile();
    if (this.opts.logFile) this.notice("File log re-opened");
    else this.notice("File log re-open ignored, not a file logger");
  }

  private openFile(): void {
    if (this.opts.logFile) this.fd = openSync(this.opts.logFile, "a");
  }

  notice(msg: string): void {
    this.write("[INF] ", msg);
  }
  warn(msg: string): void {
    this.write("[WRN] ", msg);
  }
  error(msg: string): void {
    this.write("[ERR] ", msg);
  }
  fatal(msg: string): void {
    this.write("[FTL] ", msg);
  }
  debug(msg: string): void {
    if (this.opts.debug) this.write("[DBG] ", msg);
  }
  trace(msg: string): void {
    if (this.opts.trace) this.write("[TRC] ", msg);
  }

  close(): void {
    if (this.fd !== 2) closeSync(this.fd);
    this.fd = 2;
  }

  private write(label: string, msg: string): void {
    let line = this.prefix;
    if (this.opts.logtime) line += timestamp(this.opts.logtimeUTC) + " ";
    line += label + msg + "\n";
    try {
      writeSync(this.fd, line);
    } catch {
      // A closed stderr must not take the server down.
    }
  }
}

/** Seconds east of UTC when the local zone has one fixed offset (read once, lazily). */
let localOffset: number | null | undefined;

function timestamp(utc: boolean): string {
  const now = performance.timeOrigin + performance.now();
  const micros = Math.floor((now % 1000) * 1000);
  if (!utc) localOffset ??= fixedUtcOffset();
  // A fixed local offset is applied by hand: the runtime's local-time path
  // loads the time-zone database on first use, a few ms at start-up.
  const shift = utc ? 0 : localOffset;
  if (shift !== null && shift !== undefined) {
    const d = new Date(Math.floor(now) + shift * 1000);
    return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micros, 6)}`;
  }
  const d = new Date(Math.floor(now));
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micros, 6)}`;
}
