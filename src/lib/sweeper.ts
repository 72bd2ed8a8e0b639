/**
 * A periodic pass over the database (expiries, reminders): every `intervalMs`, `run` once — never two
 * at a time in one process; several instances cooperate through the pass's own locking (`SKIP
 * LOCKED`). Started with the app, stopped with it: `stop` waits for a pass under way. A failed pass
 * is logged and the next one tries again.
 */
import type { Logger } from 'pino';

export interface Sweeper {
  start(): void;
  stop(): Promise<void>;
  /** One pass now; resolves to how many rows it changed (0 after a failure). */
  runOnce(): Promise<number>;
}

export function createSweeper(opts: {
  /** What a pass changed, for the log line (`invitations marked expired`). */
  what: string;
  run: () => Promise<number>;
  log: Logger;
  intervalMs: number;
}): Sweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  const runOnce = () => {
    running ??= opts
      .run()
      .then((n) => {
        if (n > 0) opts.log.info({ count: n }, opts.what);
        return n;
      })
      .catch((err: unknown) => {
        opts.log.warn({ err }, `sweep failed: ${opts.what}`);
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    start() {
      if (timer || opts.intervalMs <= 0) return;
      timer = setInterval(() => void runOnce(), opts.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    runOnce,
  };
}
