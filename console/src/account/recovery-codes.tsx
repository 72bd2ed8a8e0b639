/** Recovery codes, shown once: copy them all, download them as a text file, or write them down. */
import { useId, useState } from 'react';
import { copyText } from '../ui.tsx';

/** The text file's content: what the codes are for, then one code a line. */
function fileText(email: string, codes: readonly string[]): string {
  return [
    `Roster recovery codes for ${email}`,
    `Made ${new Date().toISOString().slice(0, 10)}. Each code signs you in once, instead of your authenticator app or passkey.`,
    '',
    ...codes,
    '',
  ].join('\n');
}

export function RecoveryCodesShown({
  email,
  codes,
  onDone,
  doneLabel = 'I have saved them',
}: {
  email: string;
  codes: readonly string[];
  onDone(): void;
  doneLabel?: string;
}) {
  const id = useId();
  const [copied, setCopied] = useState<boolean | null>(null);
  const text = fileText(email, codes);
  return (
    <section className="alert alert-info secrets" role="status" aria-labelledby={id}>
      <p className="secrets-title" id={id}>
        Your recovery codes
      </p>
      <p>
        <strong>Save them now: you will not see them again.</strong> If you lose your phone or your passkeys,
        each code signs you in once. Keep them somewhere safe, apart from your password (a password manager,
        or printed).
      </p>
      <ol className="recovery-codes mono" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      <div className="row">
        <button type="button" className="button" onClick={async () => setCopied(await copyText(text))}>
          Copy all
        </button>
        <a
          className="button"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="roster-recovery-codes.txt"
        >
          Download as a text file
        </a>
        {copied === true ? <span role="status">Copied.</span> : null}
        {copied === false ? <span role="status">Select the codes and copy them.</span> : null}
      </div>
      <p>
        <button type="button" className="button primary" onClick={onDone}>
          {doneLabel}
        </button>
      </p>
    </section>
  );
}
