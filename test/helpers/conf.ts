// Temporary config files and directories for tests.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(prefix = "nats-bun-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `text` as a config file in a fresh temp dir; returns its path. */
export function writeConf(text: string, name = "server.conf", dir = tempDir()): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
