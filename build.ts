// Builds dist/nats-bun: one executable with the runtime inside.
//   bun build.ts
// The compiled binary must not pick up a .env or bunfig.toml from whatever
// directory it is started in, so autoloading is off.

import { mkdirSync } from "node:fs";

const root = import.meta.dir;
mkdirSync(`${root}/dist`, { recursive: true });

const proc = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify",
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
