// A user JWT's connect times (`times` and `times_location`), judged as
// nats-server 2.9.10's validateTimes does: each range is taken on today's
// date in the location (the server's own zone when none), a range whose
// start is after its end ends tomorrow, and the client may connect when a
// range has started and not ended. Like 2.9.10, the after-midnight part of
// an overnight range does not count (its start is then later today).

import type { TimeRange } from "./types.ts";

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `zone` ("" = the server's) at an instant. */
function wallAt(zone: string, ms: number): Wall {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone === "" || zone === "Local" ? undefined : zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month! - 1, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** The instant a wall-clock time in `zone` names (day overflow rolls over, as Go's AddDate). */
function instantOf(zone: string, w: Wall): number {
  const asUTC = Date.UTC(w.y, w.mo, w.d, w.h, w.mi, w.s);
  const offsetAt = (ms: number): number => {
    const v = wallAt(zone, ms);
    return Date.UTC(v.y, v.mo, v.d, v.h, v.mi, v.s) - Math.floor(ms / 1000) * 1000;
  };
  const first = asUTC - offsetAt(asUTC);
  const second = asUTC - offsetAt(first);
  return second;
}

function clock(text: string): [number, number, number] {
  const [h, m, s] = text.split(":").map(Number);
  return [h!, m!, s!];
}

/**
 * Whether a client may connect now, and for how long (ms) it may stay:
 * `{ ok: true, validForMs: 0 }` when the JWT sets no times; `{ ok: false }`
 * outside every range. Ranges are assumed valid (validate.ts checked them).
 */
export function connectWindow(times: TimeRange[] | null, location: string, nowMs = Date.now()): { ok: boolean; validForMs: number } {
  if (times === null || times.length === 0) return { ok: true, validForMs: 0 };
  const today = wallAt(location, nowMs);
  for (const r of times) {
    const [sh, sm, ss] = clock(r.start);
    const [eh, em, es] = clock(r.end);
    const start = instantOf(location, { ...today, h: sh, mi: sm, s: ss });
    const overnight = sh * 3600 + sm * 60 + ss > eh * 3600 + em * 60 + es;
    const end = instantOf(location, { ...today, d: today.d + (overnight ? 1 : 0), h: eh, mi: em, s: es });
    if (start < nowMs && end > nowMs) return { ok: true, validForMs: end - nowMs };
  }
  return { ok: false, validForMs: 0 };
}
