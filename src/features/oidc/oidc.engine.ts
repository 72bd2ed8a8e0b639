/**
 * Loads oidc-provider once. The library warns on import (to stderr) on any Node.js older than its
 * own supported LTS line (22); it runs on the Node.js 20.19+ Roster requires, which Roster's tests
 * prove, so that one line is left out of Roster's output. Anything else it says goes through.
 */
type Engine = typeof import('oidc-provider');

let loading: Promise<Engine> | undefined;

export function loadEngine(): Promise<Engine> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime'))
        return;
      warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
