import { useState } from 'react';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { EmailField, ErrorMessage, Notice, Page, useSubmit } from '../ui.tsx';

/**
 * "Forgot password?" (`/forgot-password`, `?email=` prefills the address): asks for a reset link. The
 * answer is the same whether or not an account has the address, as the API's is.
 */
export function ForgotPasswordPage({ search }: PageProps) {
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useSubmit(async () => {
    await api.call('POST /v1/auth/password-reset', { body: { email: email.trim() } });
    setSentTo(email.trim());
  });

  return (
    <Page title="Reset your password">
      <div className="card narrow">
        {sentTo ? (
          <>
            <Notice>
              If an account has this address, we sent it a link to choose a new password:{' '}
              <strong>{sentTo}</strong>. The link works once, for one hour.
            </Notice>
            <p>
              Nothing arrived after a few minutes? Check your spam folder and the address, then{' '}
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setSentTo(null);
                  form.clear();
                }}
              >
                ask again
              </button>
              . Only the newest link works.
            </p>
            <p>
              <Link to="/sign-in">Back to sign in</Link>
            </p>
          </>
        ) : (
          <form onSubmit={form.submit} noValidate aria-label="Ask for a password-reset link">
            <p>Enter the email address of your account. We will email you a link to choose a new password.</p>
            <ErrorMessage>{form.message}</ErrorMessage>
            <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={form.fields.email} />
            <button type="submit" className="button primary" disabled={form.busy}>
              {form.busy ? 'Sending…' : 'Email me a link'}
            </button>
            <p className="form-footer">
              Remembered it? <Link to="/sign-in">Sign in</Link>
            </p>
          </form>
        )}
      </div>
    </Page>
  );
}
