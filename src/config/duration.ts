// Go time.Duration text: parsing as time.ParseDuration does (durations in
// the conf file) and printing as Duration.String() does (nats-server prints
// durations that way in errors and reload logs). Values are milliseconds.

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5
  "μs": 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const MAX_NS = 2 ** 63 - 1;

/** Parses `1h30m`, `500ms`, `1.5s`, `-2m`, `0`... Throws Go's error text. */
export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration "${text}"`);
  let s = text;
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let ns = 0;
  while (s !== "") {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(s)!;
    const [whole, intPart = "", fracPart, unit = ""] = m;
    if (intPart === "" && (fracPart ?? "") === "") throw invalid();
    if (unit === "") throw new Error(`time: missing unit in duration "${text}"`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    ns += Number(`${intPart || "0"}.${fracPart || "0"}`) * scale;
    if (ns > MAX_NS) throw invalid();
    s = s.slice(whole.length);
  }
  return (sign * ns) / 1e6;
}

/** Formats like Go's Duration.String(): `2m0s`, `1h30m0s`, `1.5s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${fraction(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${fraction(ns, 6)}ms`;
  let out = `${fraction(ns % 60e9, 9)}s`;
  const minutes = Math.floor(ns / 60e9);
  if (minutes > 0) {
    out = `${minutes % 60}m${out}`;
    const hours = Math.floor(minutes / 60);
    if (hours > 0) out = `${hours}h${out}`;
  }
  return sign + out;
}

/** `value / 10^digits` with trailing zeros (and a bare point) dropped. */
function fraction(value: number, digits: number): string {
  const unit = 10 ** digits;
  const whole = Math.floor(value / unit);
  const frac = String(value % unit).padStart(digits, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}
