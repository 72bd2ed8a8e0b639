/**
 * The console's few building blocks: page frame, form fields and their submit handling, buttons, the
 * three list states, and a notice that follows the person to the next page.
 */
import {
  type InputHTMLAttributes,
  type ReactNode,
  type TextareaHTMLAttributes,
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { ApiError, explain, fieldErrors } from './api.ts';
import type { Problems } from './checks.ts';
import { navigate, useLocation } from './router.tsx';

/** A page's heading and body. The heading takes focus when the page opens, for keyboard and screen readers. */
export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section className="page">
      <header className="page-header">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A control's label, an optional hint and the API's complaint about it. */
type Labelled<Attributes> = Attributes & {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
};

/** What ties a control to its label, hint and error. */
interface ControlWiring {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * The frame of `Field` and `TextArea`: the label, the control `children` draws with the wiring it is
 * given, then the hint and the error, both tied to the control for assistive technology.
 */
function LabelledControl({
  label,
  hint,
  error,
  id,
  children,
}: Labelled<{ id?: string | undefined; children: (wiring: ControlWiring) => ReactNode }>) {
  const auto = useId();
  const controlId = id ?? auto;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={controlId}>{label}</label>
      {children({
        id: controlId,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
      })}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

type FieldProps = Labelled<InputHTMLAttributes<HTMLInputElement>>;

/** A labelled input with an optional hint and error. */
export function Field({ label, hint, error, id, ...input }: FieldProps) {
  return (
    <LabelledControl label={label} hint={hint} error={error} id={id}>
      {(wiring) => <input {...wiring} {...input} />}
    </LabelledControl>
  );
}

/** A labelled multi-line input, wired like `Field`. */
export function TextArea({
  label,
  hint,
  error,
  id,
  ...input
}: Labelled<TextareaHTMLAttributes<HTMLTextAreaElement>>) {
  return (
    <LabelledControl label={label} hint={hint} error={error} id={id}>
      {(wiring) => <textarea {...wiring} {...input} />}
    </LabelledControl>
  );
}

/** The shortest password the API takes. */
const MIN_PASSWORD = 8;

/** The email of a sign-in or sign-up form, named as browsers and password managers expect. */
export function EmailField({ label = 'Email', ...props }: Omit<FieldProps, 'label'> & { label?: string }) {
  return <Field label={label} type="email" name="email" autoComplete="email" required {...props} />;
}

/** A person's name, as an account has it. */
export function NameField(props: Omit<FieldProps, 'label'>) {
  return <Field label="Name" name="name" autoComplete="name" required maxLength={100} {...props} />;
}

/** The password of a sign-in form, or (`choosing`) of a new account, with the length it needs. */
export function PasswordField({
  choosing = false,
  label = 'Password',
  ...props
}: Omit<FieldProps, 'label'> & { choosing?: boolean; label?: string }) {
  const rules = choosing
    ? { autoComplete: 'new-password', minLength: MIN_PASSWORD, hint: `At least ${MIN_PASSWORD} characters.` }
    : { autoComplete: 'current-password' };
  return <Field label={label} type="password" name="password" required {...rules} {...props} />;
}

export function Checkbox({
  label,
  hint,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string }) {
  const id = useId();
  return (
    <div className="field checkbox">
      <input type="checkbox" id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/**
 * An error that keeps the person informed: what happened and what to do, announced when it appears
 * and scrolled into view (on a phone, the button that caused it may sit a screen below the message).
 */
export function ErrorMessage({ children }: { children: ReactNode }) {
  if (!children) return null;
  return <ShownAlert>{children}</ShownAlert>;
}

function ShownAlert({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);
  return (
    <div ref={ref} className="alert alert-error" role="alert">
      {children}
    </div>
  );
}

/** Whether trying the same request again may help: the network, the server, a rate limit. */
function retryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.status === 0 || err.status === 429 || err.status >= 500 || err.code === 'BAD_RESPONSE';
}

/**
 * A page's data that did not load: why, and — when trying again may help (offline, the server
 * unreachable or failing) — a Retry button. Coming back online retries by itself.
 */
export function LoadError({ error, retry }: { error: unknown; retry(): void }) {
  const again = retryable(error);
  useEffect(() => {
    if (!again) return;
    window.addEventListener('online', retry);
    return () => window.removeEventListener('online', retry);
  }, [again, retry]);
  return (
    <ErrorMessage>
      <span>{explain(error)}</span>
      {again ? (
        <>
          {' '}
          <button type="button" className="button small" onClick={retry}>
            Retry
          </button>
        </>
      ) : null}
    </ErrorMessage>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-info" role="status">
      {children}
    </div>
  );
}

/** A notice that takes the focus when it appears: the result of what the person just did. */
export function FocusedNotice({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div ref={ref} tabIndex={-1} className="outcome">
      <Notice>{children}</Notice>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** Previous / next over a cursor-paginated list (a `usePaged` result); nothing when it has one page. */
export function Pager({
  list,
}: {
  list: { page: number; hasNext: boolean; loading: boolean; next(): void; previous(): void };
}) {
  const { page, hasNext, loading } = list;
  if (page === 1 && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button" onClick={list.previous} disabled={loading || page === 1}>
        Previous
      </button>
      <span>Page {page}</span>
      <button type="button" className="button" onClick={list.next} disabled={loading || !hasNext}>
        Next
      </button>
    </nav>
  );
}

/** An action's state: busy while it runs, its last error kept to be shown. */
export interface Action<Args extends unknown[]> {
  busy: boolean;
  error: unknown;
  /** The error in words, for `<ErrorMessage>`; null when there is none. */
  message: string | null;
  /** The API's complaint about each field, by field name. */
  fields: Record<string, string>;
  /** Runs the action; an error is kept, not thrown. */
  run(...args: Args): Promise<void>;
  /** Forgets the error (when the person turns to another form). */
  clear(): void;
}

/**
 * An action's handling: busy while `action` runs, its error kept to be shown (and handed to `onError`
 * with the arguments it was run with), the previous error cleared by the next attempt.
 */
export function useAction<Args extends unknown[]>(
  action: (...args: Args) => Promise<void>,
  onError?: (err: unknown, ...args: Args) => void,
): Action<Args> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The button that ran the action is disabled while it runs, which drops the focus to <body>: once
  // it is over, the focus goes back to it, unless something else (a message) took it meanwhile.
  const focused = useRef<Element | null>(null);
  const [finished, setFinished] = useState(0);
  useEffect(() => {
    if (finished === 0) return;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const before = focused.current;
    if (before instanceof HTMLElement && before.isConnected && !(before as HTMLButtonElement).disabled)
      before.focus({ preventScroll: true });
  }, [finished]);
  return {
    busy,
    error,
    message: error ? explain(error) : null,
    fields: fieldErrors(error),
    async run(...args) {
      focused.current = document.activeElement;
      setBusy(true);
      setError(null);
      try {
        await action(...args);
      } catch (err) {
        setError(err);
        onError?.(err, ...args);
      } finally {
        setBusy(false);
        setFinished((n) => n + 1);
      }
    },
    clear: () => setError(null),
  };
}

export interface Submission extends Action<[]> {
  /** Runs the action, as a form's `onSubmit` (the page does not reload) or a button's `onClick`. */
  submit(e?: { preventDefault(): void }): Promise<void>;
}

/** A form's submit handling: `useAction` for an action without arguments, run by `submit`. */
export function useSubmit(action: () => Promise<void>, onError?: (err: unknown) => void): Submission {
  const handling = useAction(action, onError);
  return {
    ...handling,
    submit(e) {
      e?.preventDefault();
      return handling.run();
    },
  };
}

/**
 * What an action on a page came to: a notice, or what did not happen and why. `at` names the row (or
 * part of the page) it belongs to, where it is shown; without it, it is shown at the page's level.
 */
export type Outcome = ({ ok: ReactNode } | { error: string }) & { at?: string };

/**
 * Actions on a page's rows or object (uninstall, resend, disable…), one at a time: `act(failure, run,
 * at?)` runs `run` and keeps the notice it returns (none for null), then calls `onDone` (to read the
 * page's data again); when it fails, it keeps `failure` and why. `<OutcomeMessage at>` shows it.
 */
export function useOutcome(onDone?: () => void) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const action = useAction<[failure: string, run: () => Promise<ReactNode>, at?: string]>(
    async (_failure, run, at) => {
      setOutcome(null);
      const ok = await run();
      if (ok) setOutcome(at === undefined ? { ok } : { ok, at });
      onDone?.();
    },
    (err, failure, _run, at) => {
      const error = `${failure} ${explain(err)}`;
      setOutcome(at === undefined ? { error } : { error, at });
    },
  );
  /** `show` puts up an outcome of the page's own (a form's "Changes saved."), or takes it down (null). */
  return { outcome, show: setOutcome, busy: action.busy, act: action.run };
}

/**
 * The outcome of an action, where `at` says (the page's level when both are absent). It takes the
 * focus when it appears — so the person, on a phone scrolled far below, is brought to it, and the
 * focus does not fall to the page's body when the button that ran the action goes away.
 */
export function OutcomeMessage({ outcome, at }: { outcome: Outcome | null; at?: string }) {
  const shown = outcome && outcome.at === at ? outcome : null;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown]);
  if (!shown) return null;
  return (
    <div ref={ref} tabIndex={-1} className="outcome">
      {'error' in shown ? <ErrorMessage>{shown.error}</ErrorMessage> : <Notice>{shown.ok}</Notice>}
    </div>
  );
}

/**
 * An inline editor or confirmation in a row (a role picker, "Remove Mia?"): Escape cancels it, and it
 * takes the focus when it opens (the control marked `data-autofocus` — a confirmation's Cancel —, or
 * its first field or button).
 */
export function Inline({
  onCancel,
  className = 'inline-form',
  children,
}: {
  onCancel(): void;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const cancel = useRef(onCancel);
  cancel.current = onCancel;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    (
      el.querySelector<HTMLElement>('[data-autofocus]') ??
      el.querySelector<HTMLElement>('select, input, textarea, button')
    )?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      cancel.current();
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div ref={ref} className={className}>
      {children}
    </div>
  );
}

/** The notice waiting for the page at `path`; one at a time. */
let carried: { path: string; text: string } | null = null;
const carriedListeners = new Set<() => void>();

function carry(next: typeof carried) {
  carried = next;
  for (const l of carriedListeners) l();
}

function watchCarried(listener: () => void) {
  carriedListeners.add(listener);
  return () => carriedListeners.delete(listener);
}

/**
 * Goes to `to` and says `text` there, for news that outlives the page it happened on (an organization
 * deleted from its own settings, the person sent home). The notice stays until they go elsewhere.
 */
export function navigateWithNotice(to: string, text: string, options: { replace?: boolean } = {}) {
  navigate(to, options);
  carry({ path: new URL(to, window.location.href).pathname, text });
}

/** Shows the notice `navigateWithNotice` left for this page, and drops it once the person moves on. */
export function CarriedNotice() {
  const { pathname } = useLocation();
  const notice = useSyncExternalStore(watchCarried, () => carried);
  const here = notice?.path === pathname;
  useEffect(() => {
    if (notice && !here) carry(null);
  }, [notice, here]);
  return notice && here ? <Notice>{notice.text}</Notice> : null;
}

/** Copies to the clipboard when the browser lets the page do so; false when it does not. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A value to copy (a secret shown once, an id, a link): labelled, read-only and selectable, with a Copy
 * button named after it. `hideLabel` keeps the label for assistive technology only, where the text
 * around the field already says what it is.
 */
export function CopyField({
  label,
  value,
  hideLabel = false,
}: {
  label: string;
  value: string;
  hideLabel?: boolean;
}) {
  const id = useId();
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="field">
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <div className="link-field">
        <input
          id={id}
          className="link-input mono"
          readOnly
          spellCheck={false}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="button small"
          aria-label={`Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}`}
          onClick={async () => setCopied(await copyText(value))}
        >
          Copy
        </button>
        {copied === true ? <span role="status">Copied.</span> : null}
        {copied === false ? <span role="status">Select the text and copy it.</span> : null}
      </div>
    </div>
  );
}

/**
 * Secrets shown this once (an app's credentials, a webhook signing secret), each in a `CopyField`,
 * with the warning that they will not come back, `lost` (what to do if one is lost), then `children`.
 * Announced when it appears; dismissed by the person once they have copied them.
 */
export function ShownOnce({
  title,
  secrets,
  lost,
  children,
  onDismiss,
}: {
  title: string;
  secrets: Array<{ label: string; value: string }>;
  lost: string;
  children?: ReactNode;
  onDismiss(): void;
}) {
  const id = useId();
  const them = secrets.length === 1 ? 'it' : 'them';
  return (
    <section className="alert alert-info secrets" role="status" aria-labelledby={id}>
      <p className="secrets-title" id={id}>
        {title}
      </p>
      <p>
        <strong>
          Copy {them} now: you will not see {them} again.
        </strong>{' '}
        {lost}
      </p>
      {secrets.map((s) => (
        <CopyField key={s.label} label={s.label} value={s.value} />
      ))}
      {children}
      <button type="button" className="button" onClick={onDismiss}>
        I have copied {them}
      </button>
    </section>
  );
}

/** Short codes (scopes, event types) as a wrapping list; "none" when there are none. */
export function CodeList({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="code-list">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

/**
 * A button that opens an inline editor or a panel: `refocus()` puts the focus back on it once it is
 * drawn again (after Cancel or Escape), instead of letting it fall to the page's body.
 */
export function useOpener<T extends HTMLElement = HTMLButtonElement>() {
  const ref = useRef<T>(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    if (asked) ref.current?.focus();
  }, [asked]);
  return { ref, refocus: () => setAsked((n) => n + 1) };
}

/**
 * Every problem a form's check found, at once, above the form (each is also shown beside its field):
 * on a phone the fields may sit below the screen, this says what to correct before the person looks.
 */
export function ProblemSummary({ problems, labels }: { problems: Problems; labels: Record<string, string> }) {
  const entries = Object.entries(problems);
  if (entries.length === 0) return null;
  return (
    <ErrorMessage>
      <p className="alert-title">
        {entries.length === 1 ? 'One field needs' : `${entries.length} fields need`} correcting:
      </p>
      <ul>
        {entries.map(([field, problem]) => (
          <li key={field}>
            {labels[field] ?? field}: {problem}
          </li>
        ))}
      </ul>
    </ErrorMessage>
  );
}
