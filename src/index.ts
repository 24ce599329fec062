// nats-bun as a library: embed a NATS server in a Bun program.
//   const s = new Server({ port: 4222 }); s.start(); ... s.shutdown();
// (`await s.prepare()` before start() checks an operator mode URL resolver.)
export { Server } from "./server/server.ts";
export { Logger } from "./server/logger.ts";
export { defaultOptions, type ServerOptions } from "./config/types.ts";
export { VERSION } from "./server/version.ts";
