/** Types of build-console.mjs (plain JavaScript, so `npm start` can run it before anything is installed). */
export function sourceHash(): string;
export function buildConsole(options?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
