// Process signals for the CLI server (reference server/signal.go):
// HUP reload, USR1 reopen the log, USR2 lame duck, INT/TERM shut down.
// SIGQUIT is left to the runtime, as the reference leaves it to Go's.

import type { Server } from "../server/server.ts";

const NAMES: Record<string, string> = {
  SIGHUP: "hangup",
  SIGINT: "interrupt",
  SIGTERM: "terminated",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
};

export interface SignalActions {
  reload(): void;
}

export function installSignalHandlers(server: Server, actions: SignalActions): void {
  const trapped = (sig: string): void => server.logger.debug(`Trapped "${NAMES[sig]}" signal`);
  process.on("SIGHUP", (sig) => {
    trapped(sig);
    actions.reload();
  });
  process.on("SIGUSR1", (sig) => {
    trapped(sig);
    server.logger.reopen();
  });
  process.on("SIGUSR2", (sig) => {
    trapped(sig);
    void server.enterLameDuckMode();
  });
  process.on("SIGINT", (sig) => {
    trapped(sig);
    server.shutdown();
  });
  process.on("SIGTERM", (sig) => {
    trapped(sig);
    // A lame duck already in progress is not cut short by TERM.
    if (!server.lameDuck) server.shutdown();
  });
}
