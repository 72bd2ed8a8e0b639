/**
 * The console's words for a rate-limit refusal (console/src/api.ts): what was limited, read from the
 * limit's name in the error's details, and the wait in the unit that suits it.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, duration, explain } from '../console/src/api.ts';

const limited = (details?: unknown) =>
  new ApiError(429, { code: 'RATE_LIMITED', message: 'Too many requests; retry later.', details });

describe('rate-limit refusals in words', () => {
  it('says what was limited, by the name of the limit', () => {
    for (const limit of ['sign-in-email', 'sign-in-ip', 'sign-in-email-ip'])
      expect(explain(limited({ limit, retryAfterSeconds: 600 }))).toBe(
        'Too many sign-in attempts. Try again in 10 minutes.',
      );
    expect(explain(limited({ limit: 'invite-org', retryAfterSeconds: 78_720 }))).toBe(
      'This organization reached its limit of invitations for now. Try again in 22 hours.',
    );
    expect(explain(limited({ limit: 'invite-user', retryAfterSeconds: 45 }))).toBe(
      'You reached your limit of invitations for now. Try again in 45 seconds.',
    );
    expect(explain(limited({ limit: 'join-ip', retryAfterSeconds: 3600 }))).toBe(
      'Too many requests to join from your network. Try again in 60 minutes.',
    );
  });

  it('keeps general words for a limit it does not know, or without details', () => {
    expect(explain(limited({ limit: 'export-org', retryAfterSeconds: 120 }))).toBe(
      'Too many requests. Try again in 2 minutes.',
    );
    expect(explain(limited({ limit: 'sign-in-email' }))).toBe(
      'Too many sign-in attempts. Wait a little and try again.',
    );
    expect(explain(limited())).toBe('Too many requests. Wait a little and try again.');
  });

  it('counts seconds below 90 s, minutes below 90 min, hours beyond', () => {
    expect(duration(0.2)).toBe('1 second');
    expect(duration(89)).toBe('89 seconds');
    expect(duration(90)).toBe('2 minutes');
    expect(duration(5399)).toBe('90 minutes');
    expect(duration(5400)).toBe('2 hours');
    expect(duration(86_400)).toBe('24 hours');
  });
});
