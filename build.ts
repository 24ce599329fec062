// Builds dist/nats-bun: one executable with the runtime inside.
//   bun build.ts
// The compiled binary must not pick up a .env or bunfig.toml from whatever
// directory it is started in, so autoloading is off.
//
// compileServer() is shared with build-edge.ts, which builds the same bundle
// for other machines (another Bun runtime, another native trie).

import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { buildNative, HOST_TARGET } from "./native/build.ts";

const root = import.meta.dir;

export interface CompileOptions {
  outfile: string;
  /** The machine the executable is for; default this one. */
  target?: Bun.Build.CompileTarget;
  /** The Bun runtime for `target` to put in the executable. Without it Bun
   * downloads one from GitHub, which build machines here cannot reach. */
  executablePath?: string;
  /** The embed module (native/build.ts) to bundle in place of
   * native/build/embed.ts, i.e. the trie built for `target`. */
  embed?: string;
}

/** Bundles src/main.ts into a standalone executable. */
export async function compileServer(o: CompileOptions): Promise<void> {
  mkdirSync(`${root}/dist`, { recursive: true });
  const plugins: Bun.BunPlugin[] = [];
  const redirect = o.embed !== undefined && o.embed !== HOST_TARGET.embed ? o.embed : null;
  let redirected = false;
  if (redirect !== null) {
    // src/sublist/native.ts require()s native/build/embed.ts by a literal
    // path (so that the bundler sees it); send that one import elsewhere.
    plugins.push({
      name: "native-embed",
      setup(build) {
        build.onResolve({ filter: /embed\.ts$/ }, (a) => {
          if (resolve(a.importer, "..", a.path) !== HOST_TARGET.embed) return undefined;
          redirected = true;
          return { path: redirect };
        });
      },
    });
  }
  const r = await Bun.build({
    entrypoints: [`${root}/src/main.ts`],
    compile: {
      outfile: o.outfile,
      ...(o.target !== undefined && { target: o.target }),
      ...(o.executablePath !== undefined && { executablePath: o.executablePath }),
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    // Bytecode needs ESM here: the default (CJS) rejects top-level await.
    bytecode: true,
    format: "esm",
    plugins,
    throw: false,
  });
  if (!r.success) {
    const where = (l: (typeof r.logs)[number]): string =>
      l.position === null ? "" : `${l.position.file}:${l.position.line}:${l.position.column}: `;
    throw new Error(`build of ${o.outfile} failed:\n${r.logs.map((l) => `${where(l)}${l.message}`).join("\n")}`);
  }
  // Else the executable would carry this machine's trie, which its loader
  // refuses on the target: slower, and only said at startup there.
  if (redirect !== null && !redirected) {
    throw new Error(`build of ${o.outfile}: nothing imports native/build/embed.ts any more, so ${redirect} was not used`);
  }
}

if (import.meta.main) {
  try {
    // The native subject trie (native/sublist.c -> native/build/), embedded in
    // the binary through native/build/embed.ts. NATS_BUN_NATIVE=off skips it.
    buildNative();
    await compileServer({ outfile: `${root}/dist/nats-bun` });
    console.error("built dist/nats-bun");
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
