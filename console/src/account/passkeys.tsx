/**
 * Passkeys on the Security page: add one (named; the browser's ceremony through webauthn.ts), rename,
 * remove, and when each was added and last used. The account's first second factor also brings its
 * recovery codes, shown once.
 */
import { type FormEvent, useId, useState } from 'react';
import { api, formatDateTime, type MfaOverview, type Passkey } from '../api.ts';
import { useUser } from '../session.tsx';
import { ErrorMessage, Field, Notice, OutcomeMessage, useAction, useOutcome } from '../ui.tsx';
import { deviceOf } from '../user-agent.ts';
import { createPasskey, passkeysSupported } from '../webauthn.ts';
import { RecoveryCodesShown } from './recovery-codes.tsx';

export function PasskeysSection({
  overview,
  reload,
  onEnrolled,
}: {
  overview: MfaOverview;
  reload(): void;
  onEnrolled(): void;
}) {
  const user = useUser();
  const heading = useId();
  const [name, setName] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const hadFactor = overview.totp?.enabled === true || overview.passkeys.length > 0;
  const supported = passkeysSupported();
  const suggested = `${deviceOf(navigator.userAgent)}`;

  const add = useAction(async () => {
    setAdded(null);
    const { options } = await api.call('POST /v1/me/passkeys/options');
    const response = await createPasskey(options);
    const chosen = name.trim() || suggested;
    const done = await api.call('POST /v1/me/passkeys', { body: { response, name: chosen } });
    setName('');
    setAdded(
      `The passkey “${done.passkey.name}” was added: it signs you in on its own, or as your second step.`,
    );
    reload();
    if (done.recoveryCodes) setCodes(done.recoveryCodes);
    else if (!hadFactor) onEnrolled();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.run();
  };

  return (
    <section className="card section" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Passkeys
      </h2>
      <p>
        A passkey signs you in with your device’s screen lock, fingerprint or face, or a security key: no
        password to type, and nothing a fake site can steal.
      </p>
      {added ? <Notice>{added}</Notice> : null}
      {codes ? (
        <RecoveryCodesShown
          email={user.email}
          codes={codes}
          onDone={() => {
            setCodes(null);
            onEnrolled();
          }}
        />
      ) : null}
      <PasskeyList passkeys={overview.passkeys} reload={reload} />
      {supported ? (
        <form onSubmit={submit} noValidate aria-label="Add a passkey" className="stack-top">
          <ErrorMessage>{add.message}</ErrorMessage>
          <Field
            label="Name of the new passkey"
            name="passkeyName"
            maxLength={100}
            placeholder={suggested}
            hint={`To tell your passkeys apart; “${suggested}” if you leave it empty.`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={add.fields.name}
          />
          <button type="submit" className="button primary" disabled={add.busy}>
            {add.busy ? 'Waiting for your device…' : 'Add a passkey'}
          </button>
        </form>
      ) : (
        <p className="muted">
          This browser cannot create passkeys. Use a current version of Chrome, Edge, Firefox or Safari.
        </p>
      )}
    </section>
  );
}

function PasskeyList({ passkeys, reload }: { passkeys: Passkey[]; reload(): void }) {
  const [editing, setEditing] = useState<{ id: string; action: 'rename' | 'remove' } | null>(null);
  const [newName, setNewName] = useState('');
  const { outcome, busy, act } = useOutcome(() => {
    setEditing(null);
    reload();
  });
  if (passkeys.length === 0) return <p className="muted">You have no passkey yet.</p>;
  return (
    <>
      <OutcomeMessage outcome={outcome} />
      <ul className="item-list" aria-label="Your passkeys">
        {passkeys.map((p) => (
          <li key={p.id} className="item">
            <div className="item-main">
              <span className="item-title">{p.name}</span>
              <span className="muted item-facts">
                Added {formatDateTime(p.createdAt)} · last used{' '}
                {p.lastUsedAt ? formatDateTime(p.lastUsedAt) : 'never'}
                {p.backedUp ? ' · synced to your other devices' : ''}
              </span>
            </div>
            {editing?.id === p.id && editing.action === 'rename' ? (
              <form
                className="inline-form"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(`“${p.name}” was not renamed.`, async () => {
                    const renamed = await api.call('PATCH /v1/me/passkeys/{id}', {
                      path: { id: p.id },
                      body: { name: newName.trim() },
                    });
                    return `The passkey is now called “${renamed.name}”.`;
                  });
                }}
              >
                <label className="visually-hidden" htmlFor={`rename-${p.id}`}>
                  New name for {p.name}
                </label>
                <input
                  id={`rename-${p.id}`}
                  value={newName}
                  maxLength={100}
                  required
                  onChange={(e) => setNewName(e.target.value)}
                />
                <button type="submit" className="button small primary" disabled={busy || !newName.trim()}>
                  Save
                </button>
                <button type="button" className="button small" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : editing?.id === p.id && editing.action === 'remove' ? (
              <div className="confirm inline-form">
                <span>Remove “{p.name}”? It will no longer sign you in.</span>
                <button
                  type="button"
                  className="button small danger"
                  disabled={busy}
                  onClick={() =>
                    act(`“${p.name}” was not removed.`, async () => {
                      await api.call('DELETE /v1/me/passkeys/{id}', { path: { id: p.id } });
                      return `The passkey “${p.name}” was removed.`;
                    })
                  }
                >
                  Remove
                </button>
                <button type="button" className="button small" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </div>
            ) : (
              <div className="row">
                <button
                  type="button"
                  className="button small"
                  aria-label={`Rename ${p.name}`}
                  onClick={() => {
                    setNewName(p.name);
                    setEditing({ id: p.id, action: 'rename' });
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  className="button small danger-outline"
                  aria-label={`Remove ${p.name}`}
                  onClick={() => setEditing({ id: p.id, action: 'remove' })}
                >
                  Remove
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
