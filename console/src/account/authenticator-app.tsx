/**
 * Two-factor authentication on the Security page: setting up an authenticator app (a QR code of its
 * otpauth:// URL and the key for typing, then a code to confirm it, then the recovery codes shown
 * once), removing it, and making new recovery codes — the last two with the password.
 */
import { type FormEvent, useId, useState } from 'react';
import { api, formatDate, type MfaOverview } from '../api.ts';
import { QrCode } from '../qr-code.tsx';
import { useUser } from '../session.tsx';
import { CopyField, ErrorMessage, Field, Notice, useAction } from '../ui.tsx';
import { PasswordConfirm } from './password-confirm.tsx';
import { RecoveryCodesShown } from './recovery-codes.tsx';

/** The key in groups of four, as authenticator apps show what they expect to be typed. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function TwoFactorSection({
  overview,
  reload,
  onEnrolled,
}: {
  overview: MfaOverview;
  reload(): void;
  /** After a first factor is set up and its recovery codes dismissed (to go back where the person was). */
  onEnrolled(): void;
}) {
  const user = useUser();
  const heading = useId();
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [codes, setCodes] = useState<{ list: string[]; first: boolean } | null>(null);
  const [confirming, setConfirming] = useState<'remove' | 'regenerate' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const appOn = overview.totp?.enabled === true;
  const hasFactor = appOn || overview.passkeys.length > 0;

  const start = useAction(async () => {
    setNotice(null);
    setSetup(await api.call('POST /v1/me/mfa/totp'));
  });

  const dismissCodes = () => {
    const first = codes?.first ?? false;
    setCodes(null);
    if (first) onEnrolled();
  };

  return (
    <section className="card section" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Two-factor authentication
      </h2>
      <p>
        {hasFactor
          ? 'On: signing in asks for your password and a second factor (your authenticator app, a passkey or a recovery code).'
          : 'Off: your password alone signs you in. Add an authenticator app or a passkey so that a stolen password is not enough.'}
      </p>
      {notice ? <Notice>{notice}</Notice> : null}
      {codes ? <RecoveryCodesShown email={user.email} codes={codes.list} onDone={dismissCodes} /> : null}

      <h3>Authenticator app</h3>
      {appOn ? (
        <>
          <p>
            Set up {overview.totp?.confirmedAt ? `on ${formatDate(overview.totp.confirmedAt)}` : ''}: codes
            from the app sign you in.
          </p>
          {confirming === 'remove' ? (
            <PasswordConfirm
              prompt="Remove the authenticator app? Its codes will no longer sign you in."
              confirmLabel="Remove the app"
              danger
              onCancel={() => setConfirming(null)}
              run={async (password) => {
                await api.call('DELETE /v1/me/mfa/totp', { body: { password } });
                setConfirming(null);
                setNotice(
                  overview.passkeys.length > 0
                    ? 'The authenticator app was removed. Your passkeys still sign you in.'
                    : 'The authenticator app was removed, with your recovery codes: your password alone signs you in now.',
                );
                reload();
              }}
            />
          ) : (
            <button type="button" className="button danger-outline" onClick={() => setConfirming('remove')}>
              Remove the authenticator app
            </button>
          )}
        </>
      ) : setup ? (
        <AppSetup
          setup={setup}
          onCancel={() => setSetup(null)}
          onConfirmed={(list) => {
            setSetup(null);
            setCodes({ list, first: !hasFactor });
            setNotice('The authenticator app is set up: signing in now asks for one of its codes.');
            reload();
          }}
        />
      ) : (
        <>
          <ErrorMessage>{start.message}</ErrorMessage>
          <p className="muted">
            An app on your phone (Google Authenticator, Microsoft Authenticator, 1Password, Authy…) shows a
            new 6-digit code every 30 seconds.
          </p>
          <button type="button" className="button primary" onClick={() => start.run()} disabled={start.busy}>
            {start.busy ? 'Starting…' : 'Set up an authenticator app'}
          </button>
        </>
      )}

      {hasFactor ? (
        <>
          <h3>Recovery codes</h3>
          <p className={overview.recoveryCodes.remaining <= 3 ? 'warning' : undefined}>
            {overview.recoveryCodes.remaining === 0
              ? 'You have no unused recovery code left. Make new ones.'
              : `${overview.recoveryCodes.remaining} unused recovery ${overview.recoveryCodes.remaining === 1 ? 'code' : 'codes'} left. Each signs you in once when you cannot use your app or passkeys.`}
          </p>
          {confirming === 'regenerate' ? (
            <PasswordConfirm
              prompt="Make ten new recovery codes? The ones you have now stop working."
              confirmLabel="Make new codes"
              onCancel={() => setConfirming(null)}
              run={async (password) => {
                const made = await api.call('POST /v1/me/mfa/recovery-codes', { body: { password } });
                setConfirming(null);
                setNotice(null);
                setCodes({ list: made.recoveryCodes, first: false });
                reload();
              }}
            />
          ) : (
            <button type="button" className="button" onClick={() => setConfirming('regenerate')}>
              Make new recovery codes
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}

/** Scan (or type), then confirm with the code the app shows. */
function AppSetup({
  setup,
  onCancel,
  onConfirmed,
}: {
  setup: { secret: string; otpauthUrl: string };
  onCancel(): void;
  onConfirmed(recoveryCodes: string[]): void;
}) {
  const [code, setCode] = useState('');
  const confirm = useAction(async () => {
    const done = await api.call('POST /v1/me/mfa/totp/confirm', { body: { code: code.replace(/\s+/g, '') } });
    onConfirmed(done.recoveryCodes);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void confirm.run();
  };
  return (
    <form className="app-setup" onSubmit={submit} noValidate aria-label="Set up an authenticator app">
      <ol className="steps">
        <li>
          <p>Scan this QR code with your authenticator app.</p>
          <QrCode text={setup.otpauthUrl} label="QR code for your authenticator app" />
          <p className="muted">Cannot scan it? Add an account in the app by hand, with this key:</p>
          <CopyField label="Setup key" value={grouped(setup.secret)} />
        </li>
        <li>
          <ErrorMessage>{confirm.message}</ErrorMessage>
          <Field
            label="Code from the app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            className="code-input"
            pattern="[0-9 ]*"
            maxLength={7}
            required
            hint="The 6 digits the app shows for Roster now."
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={confirm.fields.code}
          />
        </li>
      </ol>
      <div className="row">
        <button type="submit" className="button primary" disabled={confirm.busy}>
          {confirm.busy ? 'Checking…' : 'Turn on'}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={confirm.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
