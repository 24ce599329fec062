// A tiny program for test/sublist/native-binary.test.ts: compiled with
// `bun build --compile` like the server, it prints which subject trie
// createSublist() picks (describeSublistImpl()) and checks that the trie
// works, so the embedding and the fallback can be tested on a binary without
// starting a server.
//
//   probe            -> line 1: describeSublistImpl(), line 2: JSON check result
//   probe extract    -> skips Bun's own dlopen of the embedded path and loads
//                       the library through our manual extraction to
//                       os.tmpdir() instead (the fallback path), same output

import { NativeSublist, createSublist, describeSublistImpl, nativeSublistStatus } from "../src/sublist/index.ts";
import { extractNativeLibrary, type NativeEmbed } from "../src/sublist/native.ts";
import type { Sublist } from "../src/sublist/types.ts";

interface Sub {
  subject: string;
  queue: string | null;
}

let sl: Sublist<Sub>;
let line: string;
if (process.argv[2] === "extract") {
  const embed = require("./build/embed.ts") as NativeEmbed;
  const r = extractNativeLibrary(embed.libPath!);
  if (!("lib" in r)) {
    console.log(`extraction failed: ${r.error}`);
    process.exit(1);
  }
  sl = new NativeSublist<Sub>({ lib: r.lib });
  line = `extracted to ${r.path}`;
} else {
  sl = createSublist<Sub>();
  line = describeSublistImpl();
}
const subs: Sub[] = [
  { subject: "foo.bar", queue: null },
  { subject: "foo.*", queue: null },
  { subject: "foo.>", queue: "q" },
  { subject: "*.bar", queue: "q" },
  { subject: "other", queue: null },
];
for (const s of subs) sl.insert(s);
const r = sl.match("foo.bar");
console.log(line);
console.log(
  JSON.stringify({
    impl: sl instanceof NativeSublist ? "native" : "ts",
    status: process.argv[2] === "extract" ? null : nativeSublistStatus(),
    psubs: r.psubs.map((s) => s.subject).sort(),
    qsubs: r.qsubs.map((g) => g.map((s) => s.subject).sort()),
  }),
);
