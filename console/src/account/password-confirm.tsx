/** An action that asks for the password again first (removing a factor, new recovery codes). */
import { type ReactNode, useState } from 'react';
import { ErrorMessage, PasswordField, useAction } from '../ui.tsx';

export function PasswordConfirm({
  prompt,
  confirmLabel,
  danger = false,
  run,
  onCancel,
}: {
  prompt: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** Runs with the password typed; an error stays shown beside the form. */
  run(password: string): Promise<void>;
  onCancel(): void;
}) {
  const [password, setPassword] = useState('');
  const action = useAction(run);
  return (
    <form
      className="confirm password-confirm"
      noValidate
      aria-label={confirmLabel}
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(password);
      }}
    >
      <p>{prompt}</p>
      <ErrorMessage>{action.message}</ErrorMessage>
      <PasswordField
        label="Your password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={action.fields.password}
        autoFocus
      />
      <div className="row">
        <button
          type="submit"
          className={`button ${danger ? 'danger' : 'primary'}`}
          disabled={action.busy || !password}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
