// Go's time.Duration.String (`0s`, `850ns`, `263µs`, `1.5ms`, `2m3.25s`,
// `1h0m0.5s`), for /connz's rtt.

/** `v` with its last `prec` digits as a fraction, trailing zeros dropped. */
function withFraction(v: number, prec: number): string {
  const scale = 10 ** prec;
  const whole = Math.floor(v / scale);
  const frac = (v % scale).toString().padStart(prec, "0").replace(/0+$/, "");
  return frac === "" ? `${whole}` : `${whole}.${frac}`;
}

/** Duration.String of `ns` nanoseconds (an integer). */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${withFraction(u, 3)}µs`;
  if (u < 1e9) return `${sign}${withFraction(u, 6)}ms`;
  const totalSecs = Math.floor(u / 1e9);
  const secs = withFraction((totalSecs % 60) * 1e9 + (u % 1e9), 9);
  const mins = Math.floor(totalSecs / 60);
  if (mins === 0) return `${sign}${secs}s`;
  const hours = Math.floor(mins / 60);
  if (hours === 0) return `${sign}${mins}m${secs}s`;
  return `${sign}${hours}h${mins % 60}m${secs}s`;
}

/** A measured RTT (ms, fractional) as 2.9.10's getRTT shows it: below a millisecond truncated to µs. */
export function goRtt(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns > 1e3 && ns < 1e6) ns -= ns % 1e3;
  return goDuration(ns);
}
