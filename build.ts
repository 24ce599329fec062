// Builds dist/nats-bun: one executable with the runtime inside.
//   bun build.ts
// The compiled binary must not pick up a .env or bunfig.toml from whatever
// directory it is started in, so autoloading is off.

import { mkdirSync } from "node:fs";
import { buildNative } from "./native/build.ts";

const root = import.meta.dir;
mkdirSync(`${root}/dist`, { recursive: true });

// The native subject trie (native/sublist.c -> native/build/), embedded in the
// binary through native/build/embed.ts. NATS_BUN_NATIVE=off skips it.
try {
  buildNative();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}

const proc = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--bytecode",
    "--format=esm",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    `${root}/src/main.ts`,
    "--outfile",
    `${root}/dist/nats-bun`,
  ],
  { stdout: "inherit", stderr: "inherit" },
);
if (proc.exitCode !== 0) {
  console.error("build failed");
  process.exit(proc.exitCode ?? 1);
}
