/** Email addresses as Roster stores them: trimmed and lowercased, so one address is one identity. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

// Deliberately simple: one @, a dot in the domain, no spaces or angle brackets; length per RFC 5321.
const EMAIL_RE = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\].]{2,}$/;

export function isValidEmail(normalized: string): boolean {
  return (
    normalized.length <= 254 && EMAIL_RE.test(normalized) && (normalized.split('@')[0]?.length ?? 0) <= 64
  );
}
