// Decorated JWT files and .creds files (jwt/v2 creds_utils.go): blocks
// between `-----BEGIN ...-----` / `------END ...------` lines. The first
// block is the JWT, the second the nkey seed; an undecorated file is the
// JWT itself.

const BLOCK = /\s*(?:(?:-{3,}.*-{3,}\r?\n)([\w\-.=]+)(?:\r?\n-{3,}.*-{3,}(?:\r?\n|$)))/g;

function blocks(contents: string): string[] {
  return [...contents.matchAll(BLOCK)].map((m) => m[1]!);
}

/** The JWT in a decorated file, or the whole text when it has no blocks (ParseDecoratedJWT). */
export function parseDecoratedJWT(contents: string): string {
  return blocks(contents)[0] ?? contents;
}

export interface Creds {
  jwt: string;
  /** The nkey seed (`SU...`, `SA...` or `SO...`). */
  seed: string;
}

/**
 * A .creds file: the JWT block and the seed block, or failing a second block
 * the first line that starts with a seed prefix (ParseDecoratedNKey).
 */
export function parseCreds(contents: string): Creds {
  const found = blocks(contents);
  const jwt = found[0];
  if (jwt === undefined) throw new Error("no JWT found in the creds");
  let seed = found[1];
  seed ??= contents.split("\n").find((l) => /^(SO|SA|SU)/.test(l.trim()));
  if (seed === undefined) throw new Error("no nkey seed found");
  if (!/^(SO|SA|SU)/.test(seed)) throw new Error("doesn't contain a seed nkey");
  return { jwt, seed: seed.trim() };
}
