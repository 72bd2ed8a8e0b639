/**
 * Persists the expiry of invitations: every `intervalMs`, pending invitations past `expires_at` are
 * marked `expired` (reads already report them so). Started with the app, stopped with it: `stop`
 * waits for a pass under way.
 */
import type { Logger } from 'pino';
import type { Context } from '../../context.ts';
import { sweepExpiredInvitations } from './invitation.service.ts';

export interface InvitationSweeper {
  start(): void;
  stop(): Promise<void>;
  /** One pass now; resolves to the number of invitations marked expired. */
  runOnce(): Promise<number>;
}

export function createInvitationSweeper(opts: {
  ctx: Pick<Context, 'db'>;
  log: Logger;
  intervalMs: number;
}): InvitationSweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  const runOnce = () => {
    running ??= sweepExpiredInvitations(opts.ctx)
      .then((n) => {
        if (n > 0) opts.log.info({ expired: n }, 'invitations marked expired');
        return n;
      })
      .catch((err: unknown) => {
        opts.log.warn({ err }, 'invitation expiry sweep failed');
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
