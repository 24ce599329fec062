// The local time zone's offset when it is a fixed one (UTC, Etc/GMT-3...),
// read from the TZif file. The runtime's first local-time call loads the
// whole time-zone database (~4 ms at start-up, measured on Bun 1.4.4), which
// edge boxes, mostly on UTC, need not pay for the log's timestamps. Zones with
// daylight saving time (or any transition) return null: the runtime then
// computes local time as usual.

import { readFileSync } from "node:fs";

const UTC_NAMES = new Set(["", "UTC", "UTC0", "Etc/UTC", "GMT", "GMT0", "Etc/GMT", "Universal", "Zulu"]);

/** Seconds east of UTC, or null when the zone is not a fixed offset (or cannot be read). */
export function fixedUtcOffset(env: string | undefined = process.env.TZ): number | null {
  if (env !== undefined) {
    const name = env.startsWith(":") ? env.slice(1) : env;
    if (UTC_NAMES.has(name)) return 0;
    if (!name.startsWith("/")) return readOffset(`/usr/share/zoneinfo/${name}`);
    return readOffset(name);
  }
  return readOffset("/etc/localtime");
}

function readOffset(path: string): number | null {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    // glibc takes a missing /etc/localtime as UTC.
    return path === "/etc/localtime" ? 0 : null;
  }
  if (b.length < 44 || b.toString("latin1", 0, 4) !== "TZif") return null;
  const v1 = counts(b, 0);
  // Version 1 data: 4-byte times; later versions repeat it all with 8-byte times, then a POSIX TZ footer.
  const v1Size = blockSize(v1, 4);
  if (b[4] === 0) return fixed(b, 44, v1, 4, null);
  const v2At = 44 + v1Size;
  if (b.length < v2At + 44 || b.toString("latin1", v2At, v2At + 4) !== "TZif") return null;
  const v2 = counts(b, v2At);
  const footerAt = v2At + 44 + blockSize(v2, 8);
  const footer = b.toString("latin1", footerAt).trim();
  return fixed(b, v2At + 44, v2, 8, footer);
}

interface Counts {
  isut: number;
  isstd: number;
  leap: number;
  time: number;
  type: number;
  char: number;
}

function counts(b: Buffer, at: number): Counts {
  const n = (i: number): number => b.readUInt32BE(at + 20 + 4 * i);
  return { isut: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
}

function blockSize(c: Counts, timeSize: number): number {
  return c.time * timeSize + c.time + c.type * 6 + c.char + c.leap * (timeSize + 4) + c.isstd + c.isut;
}

/** The one offset of a zone without transitions and without daylight-saving rules. */
function fixed(b: Buffer, dataAt: number, c: Counts, timeSize: number, footer: string | null): number | null {
  if (c.time !== 0 || c.type < 1) return null;
  // A footer with a comma has DST rules for times past the table.
  if (footer !== null && footer.includes(",")) return null;
  const ttinfo = dataAt + c.time * timeSize + c.time;
  if (b.length < ttinfo + 6 || b[ttinfo + 4] !== 0) return null;
  return b.readInt32BE(ttinfo);
}
