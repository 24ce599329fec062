// Maps subjects between two patterns, for imports: the tokens a `*` or `>`
// of the source pattern matched fill the wildcards of the target pattern, in
// order ("news.>" -> "a.news.>" maps "news.eu.sport" to "a.news.eu.sport"),
// or by position where the target names them (`$1`, `{{wildcard(1)}}`).

const CACHE_MAX = 1024;
const POSITIONAL = /^(?:\$(\d+)|\{\{\s*wildcard\((\d+)\)\s*\}\})$/;

export class SubjectMapping {
  private readonly identity: boolean;
  private readonly fromTokens: string[];
  private readonly toTokens: string[];
  private readonly toLiteral: boolean;

  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    this.identity = from === to;
    this.fromTokens = from.split(".");
    this.toTokens = to.split(".");
    this.toLiteral = !this.toTokens.some((t) => t === "*" || t === ">" || POSITIONAL.test(t));
  }

  /** Recent results: imports and mappings see the same subjects again and again. */
  private cache = new Map<string, string>();

  /** `subject` matches `from`; returns its image under `to`. */
  map(subject: string): string {
    if (this.identity) return subject;
    if (this.toLiteral) return this.to;
    let mapped = this.cache.get(subject);
    if (mapped === undefined) {
      mapped = this.transform(subject);
      if (this.cache.size >= CACHE_MAX) this.cache = new Map();
      this.cache.set(subject, mapped);
    }
    return mapped;
  }

  private transform(subject: string): string {
    const tokens = subject.split(".");
    const singles: string[] = [];
    let tail = "";
    for (let i = 0; i < this.fromTokens.length; i++) {
      const f = this.fromTokens[i];
      if (f === "*") singles.push(tokens[i]!);
      else if (f === ">") {
        tail = tokens.slice(i).join(".");
        break;
      }
    }
    let k = 0;
    const out: string[] = [];
    for (const t of this.toTokens) {
      const pos = POSITIONAL.exec(t);
      if (pos !== null) out.push(singles[Number(pos[1] ?? pos[2]) - 1] ?? t);
      else if (t === "*") out.push(singles[k++] ?? "*");
      else if (t === ">") out.push(tail !== "" ? tail : singles.slice(k).join("."));
      else out.push(t);
    }
    return out.join(".");
  }
}
