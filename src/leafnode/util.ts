// Small 2.9.10 behaviours the leafnode options rely on: the minimum version
// check (util.go versionComponents) and credentials path expansion
// (opts.go expandPath: os.ExpandEnv, then a leading `~`).

import { homedir } from "node:os";
import { join } from "node:path";
import { goQuote } from "../auth/config-util.ts";

const SEMVER_RE = /^v?([0-9]+)\.?([0-9]+)?\.?([0-9]+)?/;

/** checkLeafMinVersionConfig: the error text, or null when `version` is at least 2.8.0. */
export function minVersionProblem(version: string): string | null {
  const m = SEMVER_RE.exec(version);
  if (m === null) return "invalid leafnode's minimum version: invalid semver";
  const parts: number[] = [];
  for (const text of [m[1] ?? "", m[2] ?? "", m[3] ?? ""]) {
    const problem = atoiProblem(text);
    if (problem !== null) return `invalid leafnode's minimum version: ${problem}`;
    parts.push(Number(text));
  }
  const [major, minor, patch] = parts as [number, number, number];
  const ok = major > 2 || (major === 2 && (minor > 8 || (minor === 8 && patch >= 0)));
  return ok ? null : "the minimum version should be at least 2.8.0";
}

/** versionAtLeast: `version` (a remote's CONNECT) is at least `min` (both semver); false when either does not parse. */
export function minVersionMet(version: string, min: string): boolean {
  const parse = (v: string): number[] | null => {
    const m = SEMVER_RE.exec(v);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) return null;
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  };
  const have = parse(version);
  const want = parse(min);
  if (have === null || want === null) return false;
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== want[i]!) return have[i]! > want[i]!;
  }
  return true;
}

/** strconv.Atoi's error for a digit string (the regexp admits nothing else). */
function atoiProblem(text: string): string | null {
  if (text === "") return `strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`;
  if (BigInt(text) > 9223372036854775807n) return `strconv.Atoi: parsing ${goQuote(text)}: value out of range`;
  return null;
}

/** os.ExpandEnv then `~` as the home directory. */
export function expandPath(p: string): string {
  const expanded = expandEnv(p);
  return expanded.startsWith("~") ? join(homedir(), expanded.slice(1)) : expanded;
}

/** Go's os.ExpandEnv: `$NAME`, `${NAME}`, the one-character shell specials; bad `${` syntax is eaten. */
function expandEnv(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== "$" || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const [name, width] = shellName(s.slice(i + 1));
    if (name === "" && width === 0) out += "$";
    else if (name !== "") out += process.env[name] ?? "";
    i += 1 + width;
  }
  return out;
}

function shellName(s: string): [name: string, width: number] {
  if (s[0] === "{") {
    if (s.length > 2 && isShellSpecial(s[1]!) && s[2] === "}") return [s[1]!, 3];
    const close = s.indexOf("}", 1);
    if (close < 0) return ["", 1];
    return close === 1 ? ["", 2] : [s.slice(1, close), close + 1];
  }
  if (isShellSpecial(s[0]!)) return [s[0]!, 1];
  const m = /^[A-Za-z0-9_]*/.exec(s)!;
  return [m[0], m[0].length];
}

function isShellSpecial(c: string): boolean {
  return "*#$@!?-".includes(c) || /[0-9]/.test(c);
}
