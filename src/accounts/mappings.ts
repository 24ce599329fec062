// Subject mappings (`mappings { "src": "dest" }`, top level for `$G` or per
// account): a published subject that matches a source is rewritten before it
// is routed. A destination is a subject, possibly with `$N` /
// `{{wildcard(N)}}` references to the source's wildcards, or a list of
// `{destination, weight}` where the weights (percentages, 100 at most) pick
// one at random and what is left keeps the subject as it was
// (reference accounts.go AddMapping / AddWeightedMappings).

import { ConfigError } from "../config/errors.ts";
import type { ConfMap, ConfValue } from "../config/types.ts";
import { wireSubject } from "../protocol/text.ts";
import { isValidSubject, subjectIsSubsetMatch } from "../sublist/subject.ts";
import { SubjectMapping } from "./mapping.ts";

interface Destination {
  mapping: SubjectMapping;
  /** Cumulative weight in percent: picked when the roll is below it. */
  upTo: number;
}

interface Rule {
  source: string;
  destinations: Destination[];
}

const POSITIONAL = /\$(\d+)|\{\{\s*wildcard\((\d+)\)\s*\}\}/g;

export class SubjectMapper {
  private constructor(private readonly rules: Rule[]) {}

  /** The subjects mapped from (leaf node connections announce them as interest). */
  sources(): string[] {
    return this.rules.map((r) => r.source);
  }

  /** Compiles a `mappings` block; null when there is none. Throws ConfigError on a bad one. */
  static compile(block: ConfMap | undefined, account: string): SubjectMapper | null {
    if (block === undefined) return null;
    const errors: string[] = [];
    const rules: Rule[] = [];
    for (const [rawSource, value] of Object.entries(block)) {
      const problem = (why: string): void => {
        errors.push(`account "${account}": mapping "${rawSource}": ${why}`);
      };
      if (!isValidSubject(rawSource)) {
        problem("invalid source subject");
        continue;
      }
      const source = wireSubject(rawSource);
      const wildcards = source.split(".").filter((t) => t === "*" || t === ">").length;
      const dests = destinations(value);
      if (typeof dests === "string") {
        problem(dests);
        continue;
      }
      let total = 0;
      const compiled: Destination[] = [];
      for (const d of dests) {
        const bad = checkDestination(d.subject, wildcards);
        if (bad !== null) {
          problem(bad);
          continue;
        }
        total += d.weight;
        compiled.push({ mapping: new SubjectMapping(source, wireSubject(d.subject)), upTo: total });
      }
      if (total > 100) problem(`total weight ${total}% is over 100%`);
      rules.push({ source, destinations: compiled });
    }
    if (errors.length > 0) throw new ConfigError(errors, []);
    return rules.length > 0 ? new SubjectMapper(rules) : null;
  }

  /** The subject to route `subject` as (unchanged when no rule applies or the weights leave it). */
  map(subject: string): string {
    for (const rule of this.rules) {
      if (!subjectIsSubsetMatch(subject, rule.source)) continue;
      const roll = Math.random() * 100;
      for (const d of rule.destinations) if (roll < d.upTo) return d.mapping.map(subject);
      return subject;
    }
    return subject;
  }
}

/** A destination value: a subject (100%) or a list of {destination, weight}. */
export function destinations(value: ConfValue): { subject: string; weight: number }[] | string {
  if (typeof value === "string") return [{ subject: value, weight: 100 }];
  if (!Array.isArray(value)) return "expected a subject or a list of weighted destinations";
  const out: { subject: string; weight: number }[] = [];
  for (const entry of value) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry) || entry instanceof Date) {
      return "expected {destination, weight} entries";
    }
    const m = entry as ConfMap;
    const subject = m.destination ?? m.dest;
    if (typeof subject !== "string") return "missing destination";
    const weight = parseWeight(m.weight);
    if (weight === null) return `invalid weight ${JSON.stringify(m.weight)}`;
    out.push({ subject, weight });
  }
  return out;
}

/** "50%", "50" or 50; absent = 100. */
function parseWeight(v: ConfValue | undefined): number | null {
  if (v === undefined) return 100;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.replace(/%$/, "")) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null;
}

function checkDestination(dest: string, wildcards: number): string | null {
  const plain = dest.replace(POSITIONAL, "x");
  if (!isValidSubject(plain)) return `invalid destination subject "${dest}"`;
  for (const m of dest.matchAll(POSITIONAL)) {
    const n = Number(m[1] ?? m[2]);
    if (n < 1 || n > wildcards) return `destination "${dest}" refers to wildcard ${n}, the source has ${wildcards}`;
  }
  return null;
}
