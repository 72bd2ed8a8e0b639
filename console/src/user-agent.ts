/**
 * A session's device in words, from the user agent it was signed in with: "Chrome on macOS",
 * "Safari on iPhone", "curl". Only what a person recognises; the full string stays in a tooltip.
 */

const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\b(?:Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMacintosh\b|\bMac OS X\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

export function deviceOf(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  // Not a browser: the program's name, the first product of the string (curl/8.5.0 → curl).
  const program = /^([A-Za-z][\w.-]*)\//.exec(userAgent)?.[1];
  return program && program !== 'Mozilla' ? program : 'Unknown device';
}

const METHODS: Record<string, string> = {
  pwd: 'password',
  otp: 'authenticator app',
  recovery_code: 'recovery code',
  passkey: 'passkey',
};

/** How a session was signed in: ['pwd', 'otp'] → "Password and authenticator app". */
export function signedInWith(methods: readonly string[]): string {
  const words = methods.map((m) => METHODS[m] ?? m);
  if (words.length === 0) return '—';
  const text = words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
  return `${text?.charAt(0).toUpperCase()}${text?.slice(1)}`;
}
