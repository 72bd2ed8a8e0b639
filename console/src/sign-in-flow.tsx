/**
 * Signing in, wherever it happens (the sign-in page, after a password reset, on an invitation's
 * landing page): the password step, which may answer 401 MFA_REQUIRED with a challenge; the second
 * step that answers it (an authenticator code, a recovery code or a passkey); and signing in with a
 * passkey alone. The challenge is kept in memory only, for the five minutes it lives.
 */
import { type FormEvent, useId, useState } from 'react';
import { ApiError, api, errorCode, explain } from './api.ts';
import { ErrorMessage, Field, useAction } from './ui.tsx';
import { answerWithPasskey, passkeysSupported } from './webauthn.ts';

export type MfaMethod = 'totp' | 'recovery_code' | 'passkey';

/** What the password step asks for when the account has a second factor. */
export interface Challenge {
  challenge: string;
  methods: MfaMethod[];
  expiresAt: string;
}

/** The challenge of a 401 MFA_REQUIRED, or null for any other error. */
export function challengeOf(err: unknown): Challenge | null {
  if (!(err instanceof ApiError) || err.code !== 'MFA_REQUIRED' || err.status !== 401) return null;
  const d = err.details as Partial<Challenge> | null;
  if (typeof d?.challenge !== 'string' || !Array.isArray(d.methods)) return null;
  return { challenge: d.challenge, methods: d.methods, expiresAt: String(d.expiresAt ?? '') };
}

/**
 * The password step: null when it opened a session, the challenge when the account asks for its
 * second factor. Any other refusal is thrown.
 */
export async function passwordSignIn(email: string, password: string): Promise<Challenge | null> {
  try {
    await api.call('POST /v1/auth/sign-in', { body: { email, password } });
    return null;
  } catch (err) {
    const challenge = challengeOf(err);
    if (challenge) return challenge;
    throw err;
  }
}

/** Signs in with a passkey alone (discoverable, user-verified: no second step). */
export async function passkeySignIn(): Promise<void> {
  const { challengeId, options } = await api.call('POST /v1/auth/passkey/options');
  const response = await answerWithPasskey(options);
  await api.call('POST /v1/auth/passkey', { body: { challengeId, response } });
}

/** Refusals after which the challenge is dead: the person starts again from the password. */
const START_OVER = new Set([
  'MFA_CHALLENGE_INVALID',
  'MFA_CHALLENGE_EXPIRED',
  'MFA_CHALLENGE_USED',
  'MFA_TOO_MANY_ATTEMPTS',
]);

/** The answers left on the challenge, when the API said (a wrong code, a refused passkey). */
function attemptsLeftOf(err: unknown): number | null {
  if (!(err instanceof ApiError)) return null;
  const left = (err.details as { attemptsLeft?: unknown } | null)?.attemptsLeft;
  return typeof left === 'number' ? left : null;
}

/** A wrong answer in words, with the tries left. */
function wrongAnswer(err: unknown, mode: Mode): string {
  const left = attemptsLeftOf(err);
  const code = errorCode(err);
  let words = explain(err);
  if (code === 'INVALID_CODE') {
    words =
      mode === 'recovery'
        ? 'The recovery code is wrong, or it was already used. Check it and try again.'
        : 'The code is wrong. Check your authenticator app and enter the code it shows now.';
  }
  if (left === null) return words;
  return `${words} ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`;
}

type Mode = 'code' | 'recovery' | 'passkey';

/**
 * The second step of a sign-in: a code from the authenticator app (or a recovery code instead, or a
 * passkey when the account has one). `onSignedIn` runs once the session is open; `onStartOver` takes
 * the person back to the password step with the reason (a challenge expired, used or out of tries).
 */
export function SecondStep({
  challenge,
  onSignedIn,
  onStartOver,
}: {
  challenge: Challenge;
  onSignedIn(): Promise<void>;
  onStartOver(why: string | null): void;
}) {
  const has = (m: MfaMethod) => challenge.methods.includes(m);
  const [mode, setMode] = useState<Mode>(has('totp') ? 'code' : has('passkey') ? 'passkey' : 'recovery');
  const [code, setCode] = useState('');
  const [recoveryCode, setRecoveryCode] = useState('');
  const heading = useId();

  const answer = useAction(
    async (how: Mode) => {
      if (how === 'passkey') {
        const { options } = await api.call('POST /v1/auth/sign-in/mfa/passkey-options', {
          body: { challenge: challenge.challenge },
        });
        const passkey = await answerWithPasskey(options);
        await api.call('POST /v1/auth/sign-in/mfa', { body: { challenge: challenge.challenge, passkey } });
      } else if (how === 'code') {
        await api.call('POST /v1/auth/sign-in/mfa', {
          body: { challenge: challenge.challenge, code: code.replace(/\s+/g, '') },
        });
      } else {
        await api.call('POST /v1/auth/sign-in/mfa', {
          body: { challenge: challenge.challenge, recoveryCode: recoveryCode.trim() },
        });
      }
      await onSignedIn();
    },
    (err) => {
      const code = errorCode(err);
      if (code && START_OVER.has(code)) onStartOver(explain(err));
      else if (attemptsLeftOf(err) === 0)
        onStartOver('That was the last try for this sign-in. Start again with your email and password.');
    },
  );

  const choose = (m: Mode) => {
    answer.clear();
    setMode(m);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer.run(mode);
  };
  const error = answer.error ? wrongAnswer(answer.error, mode) : null;

  return (
    <form className="card narrow" onSubmit={submit} noValidate aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Two-step verification
      </h2>
      <ErrorMessage>{error}</ErrorMessage>
      {mode === 'code' ? (
        <>
          <p>Open the authenticator app on your phone and enter the 6-digit code it shows for Roster.</p>
          <Field
            label="Authentication code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            className="code-input"
            pattern="[0-9 ]*"
            maxLength={7}
            autoFocus
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" className="button primary" disabled={answer.busy}>
            {answer.busy ? 'Checking…' : 'Verify'}
          </button>
        </>
      ) : null}
      {mode === 'recovery' ? (
        <>
          <p>
            Enter one of the recovery codes you saved when you set up two-factor authentication. Each code
            works once.
          </p>
          <Field
            label="Recovery code"
            name="recoveryCode"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            className="mono"
            placeholder="xxxx-xxxx-xxxx"
            autoFocus
            required
            value={recoveryCode}
            onChange={(e) => setRecoveryCode(e.target.value)}
          />
          <button type="submit" className="button primary" disabled={answer.busy}>
            {answer.busy ? 'Checking…' : 'Verify'}
          </button>
        </>
      ) : null}
      {mode === 'passkey' ? (
        <>
          <p>Use the passkey of this account (on this device, your phone or a security key).</p>
          <button type="submit" className="button primary" disabled={answer.busy}>
            {answer.busy ? 'Waiting for your passkey…' : 'Use a passkey'}
          </button>
        </>
      ) : null}
      <ul className="other-ways">
        {mode !== 'passkey' && has('passkey') && passkeysSupported() ? (
          <li>
            <button
              type="button"
              className="link-button"
              disabled={answer.busy}
              onClick={() => {
                setMode('passkey');
                void answer.run('passkey');
              }}
            >
              Use a passkey
            </button>
          </li>
        ) : null}
        {mode !== 'code' && has('totp') ? (
          <li>
            <button type="button" className="link-button" onClick={() => choose('code')}>
              Use your authenticator app instead
            </button>
          </li>
        ) : null}
        {mode !== 'recovery' && has('recovery_code') ? (
          <li>
            <button type="button" className="link-button" onClick={() => choose('recovery')}>
              Use a recovery code instead
            </button>
          </li>
        ) : null}
        <li>
          <button type="button" className="link-button" onClick={() => onStartOver(null)}>
            Cancel and start again
          </button>
        </li>
      </ul>
    </form>
  );
}

/**
 * Signing in with a passkey alone, beside the password form: "Have a passkey?", then "Use a passkey".
 * Neither its heading nor its button says "Sign in", so that the password form's heading and button
 * stay the only ones of that name (the browser tests find them by it). Nothing is shown in a browser
 * without passkeys.
 */
export function PasskeySignIn({ onSignedIn }: { onSignedIn(): Promise<void> }) {
  const heading = useId();
  const action = useAction(async () => {
    await passkeySignIn();
    await onSignedIn();
  });
  if (!passkeysSupported()) return null;
  return (
    <section className="card" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Have a passkey?
      </h2>
      <ErrorMessage>{action.message}</ErrorMessage>
      <p className="muted">Sign in with it, no password needed: your device asks for its screen lock.</p>
      <button type="button" className="button" onClick={() => action.run()} disabled={action.busy}>
        {action.busy ? 'Waiting for your passkey…' : 'Use a passkey'}
      </button>
    </section>
  );
}
