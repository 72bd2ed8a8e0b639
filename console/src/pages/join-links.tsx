import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { Body } from '../../../src/client/client.ts';
import { type RoleDef, withArticle } from '../access.ts';
import {
  api,
  formatDate,
  formatDateTime,
  type IssuedJoinLink,
  type JoinLink,
  type JoinLinkRole,
  type Organization,
} from '../api.ts';
import { checkDomains, checkWholeNumber, type Problems, parseDomains, problems } from '../checks.ts';
import { usePaged } from '../hooks.ts';
import { RoleBadge, RolePicker, useOrgRoles, viewerGrants } from '../members/roles.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  Checkbox,
  Empty,
  ErrorMessage,
  Field,
  Inline,
  LoadError,
  Loading,
  Notice,
  type Outcome,
  OutcomeMessage,
  Page,
  Pager,
  ProblemSummary,
  ShownOnce,
  useOpener,
  useOutcome,
  useSubmit,
} from '../ui.tsx';

const PAGE_SIZE = 25;
const MAX_USES = 100_000;
const DAY_MS = 24 * 3600 * 1000;

const STATE_LABELS: Record<JoinLink['state'], string> = {
  active: 'active',
  revoked: 'revoked',
  expired: 'expired',
  used_up: 'used up',
};

type Expiry = 'never' | '1' | '7' | '30' | 'date';

const EXPIRY_CHOICES: Array<[Expiry, string]> = [
  ['never', 'Never'],
  ['1', 'In 1 day'],
  ['7', 'In 7 days'],
  ['30', 'In 30 days'],
  ['date', 'On a date…'],
];

/** What the form edits; text as typed. */
interface Draft {
  role: JoinLinkRole;
  label: string;
  expiry: Expiry;
  /** `YYYY-MM-DD`: the last day the link works, when `expiry` is `date`. */
  date: string;
  maxUses: string;
  domains: string;
  requireApproval: boolean;
}

const EMPTY: Draft = {
  role: 'member',
  label: '',
  expiry: 'never',
  date: '',
  maxUses: '',
  domains: '',
  requireApproval: false,
};

/** The form's fields, named as their labels say. */
const LABELS: Record<string, string> = {
  label: 'Label',
  date: 'Last day',
  maxUses: 'Maximum uses',
  domains: 'Email domains',
};

/** Today in the browser's time zone, as a date input writes it. */
function today(): string {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The end of the day `date` (`YYYY-MM-DD`) in the browser's time zone. */
const endOfDay = (date: string) => new Date(`${date}T23:59:59`);

function check(draft: Draft): Problems {
  return problems({
    label:
      draft.label.length > 100 ? `Shorten it to 100 characters (it has ${draft.label.length}).` : undefined,
    date:
      draft.expiry !== 'date'
        ? undefined
        : !/^\d{4}-\d{2}-\d{2}$/.test(draft.date)
          ? 'Choose the last day the link works.'
          : !(endOfDay(draft.date).getTime() > Date.now())
            ? 'Choose today or a later day.'
            : undefined,
    maxUses: checkWholeNumber(draft.maxUses, { min: 1, max: MAX_USES, optional: true }),
    domains: checkDomains(parseDomains(draft.domains)),
  });
}

function bodyOf(draft: Draft): Body<'POST /v1/organizations/{org}/join-links'> {
  const body: Body<'POST /v1/organizations/{org}/join-links'> = {
    role: draft.role,
    requireApproval: draft.requireApproval,
  };
  if (draft.label.trim()) body.label = draft.label.trim();
  if (draft.expiry === 'date') body.expiresAt = endOfDay(draft.date).toISOString();
  else if (draft.expiry !== 'never')
    body.expiresAt = new Date(Date.now() + Number(draft.expiry) * DAY_MS).toISOString();
  if (draft.maxUses.trim()) body.maxUses = Number(draft.maxUses.trim());
  const domains = parseDomains(draft.domains);
  if (domains.length > 0) body.allowedDomains = domains;
  return body;
}

/** "example.com", "example.com or example.org", "a.com, b.com or c.com". */
export function orList(items: readonly string[]): string {
  if (items.length < 2) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** How a link is named in sentences and on its buttons: its label, or when it was made. */
const nameOf = (l: JoinLink) => l.label ?? `the link made ${formatDateTime(l.createdAt)}`;

const capitalized = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** "2 of 10", "2 (no limit)". */
const usesOf = (l: JoinLink) => (l.maxUses === null ? `${l.uses} (no limit)` : `${l.uses} of ${l.maxUses}`);

/** What a link does, in a few sentences, for whoever is about to share it. */
function describeLink(l: JoinLink, orgName: string, roles: readonly RoleDef[]): string {
  const role = withArticle(l.role, roles);
  return [
    l.requireApproval
      ? `People who open it ask to join ${orgName} as ${role}; an admin approves each of them in Join requests.`
      : `People who open it join ${orgName} as ${role} at once.`,
    l.allowedDomains.length > 0
      ? `Only confirmed email addresses at ${orList(l.allowedDomains)} can use it.`
      : 'Anyone with an account and a confirmed email address can use it.',
    l.maxUses === null ? '' : `It works for ${l.maxUses === 1 ? 'one person' : `${l.maxUses} people`}.`,
    l.expiresAt ? `It stops working on ${formatDateTime(l.expiresAt)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * The organization's shareable join links (member:admin): make one (role, label, expiry, uses, email
 * domains, approval), its URL shown once; the list with each link's state and uses; revoke a link, or
 * give it a new URL (shown once; the one before stops working).
 */
export function JoinLinksPage({ org }: OrgPageProps) {
  const canAdmin = org.viewer.scopes.includes('member:admin');
  const [issued, setIssued] = useState<{ title: string; issued: IssuedJoinLink; note: string } | null>(null);
  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/join-links', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor },
      }),
    org.id,
  );
  const { outcome, busy, act } = useOutcome(list.reload);
  const { roles } = useOrgRoles(org);

  const actions: RowActions = {
    revoke: (l) =>
      act(
        `${capitalized(nameOf(l))} was not revoked.`,
        async () => {
          await api.call('DELETE /v1/organizations/{org}/join-links/{id}', {
            path: { org: org.id, id: l.id },
          });
          return `${capitalized(nameOf(l))} was revoked: its URL no longer lets anyone join. People who joined with it stay.`;
        },
        l.id,
      ),
    rotate: (l) =>
      act(
        `${capitalized(nameOf(l))} did not get a new URL.`,
        async () => {
          setIssued(null);
          const res = await api.call('POST /v1/organizations/{org}/join-links/{id}/rotate', {
            path: { org: org.id, id: l.id },
          });
          setIssued({
            title: `New URL for ${nameOf(res.link)}`,
            issued: res,
            note: `The URL before no longer works. ${describeLink(res.link, org.name, roles)}`,
          });
          return null;
        },
        l.id,
      ),
  };

  const rows = list.data?.data ?? [];
  return (
    <Page title="Join links">
      <p className="muted intro">
        A join link lets people join {org.name} without an invitation each: share it with a group, in a chat
        or an email. You choose the role it gives, how long and how many times it works, which email domains
        may use it, and whether an admin approves each person.
      </p>
      {org.ssoEnforced ? (
        <Notice>Single sign-on is enforced for {org.name}: join links let no one in while it is on.</Notice>
      ) : null}
      {canAdmin ? (
        <CreateLinkForm
          org={org}
          roles={roles}
          onCreated={(res) => {
            setIssued({
              title: 'Join link made',
              issued: res,
              note: describeLink(res.link, org.name, roles),
            });
            list.reload();
          }}
        />
      ) : null}
      {issued ? (
        <IssuedUrl
          key={issued.issued.token}
          title={issued.title}
          url={issued.issued.url}
          onDismiss={() => setIssued(null)}
        >
          <p>{issued.note}</p>
        </IssuedUrl>
      ) : null}
      <OutcomeMessage outcome={outcome} />

      <h2>Links</h2>
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading join links…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title="No join links yet.">{canAdmin ? 'Make one with the form above.' : null}</Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table join-links" aria-busy={busy || list.loading}>
          <caption className="visually-hidden">Join links of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Link</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Uses</th>
              <th scope="col">Expires</th>
              <th scope="col">Who can use it</th>
              <th scope="col">Approval</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <LinkRow key={l.id} link={l} roles={roles} actions={actions} busy={busy} outcome={outcome} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </Page>
  );
}

interface RowActions {
  revoke(l: JoinLink): void;
  rotate(l: JoinLink): void;
}

/** A URL shown this once, brought into view and given the focus when it appears. */
function IssuedUrl({
  title,
  url,
  children,
  onDismiss,
}: {
  title: string;
  url: string;
  children: ReactNode;
  onDismiss(): void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div ref={ref} tabIndex={-1} className="outcome section">
      <ShownOnce
        title={title}
        secrets={[{ label: 'Join link', value: url }]}
        lost="Roster keeps only a fingerprint of it. If it is lost, give the link a new URL from the list: the one before stops working."
        onDismiss={onDismiss}
      >
        {children}
      </ShownOnce>
    </div>
  );
}

function LinkRow({
  link: l,
  roles,
  actions,
  busy,
  outcome,
}: {
  link: JoinLink;
  roles: readonly RoleDef[];
  actions: RowActions;
  busy: boolean;
  outcome: Outcome | null;
}) {
  const [confirm, setConfirm] = useState<'revoke' | 'rotate' | null>(null);
  const opener = useOpener();
  const cancel = () => {
    setConfirm(null);
    opener.refocus();
  };
  const name = nameOf(l);
  const by = l.createdByName ?? (l.createdBy ? 'a deleted user' : null);
  return (
    <tr>
      <td data-label="Link">
        <span className="member-name">{l.label ?? <span className="muted">No label</span>}</span>
        <span className="muted member-email">
          Made {formatDate(l.createdAt)}
          {by ? ` by ${by}` : ''}
          {l.rotatedAt ? `; new URL ${formatDate(l.rotatedAt)}` : ''}
        </span>
      </td>
      <td data-label="Role">
        <RoleBadge role={l.role} roles={roles} />
      </td>
      <td data-label="State">
        <span className={`badge status-${l.state}`}>{STATE_LABELS[l.state]}</span>
      </td>
      <td data-label="Uses">{usesOf(l)}</td>
      <td data-label="Expires">{l.expiresAt ? formatDateTime(l.expiresAt) : 'never'}</td>
      <td data-label="Who can use it">
        {l.allowedDomains.length > 0 ? `Addresses at ${orList(l.allowedDomains)}` : 'Anyone with the link'}
      </td>
      <td data-label="Approval">{l.requireApproval ? 'An admin approves each person' : 'Joins at once'}</td>
      <td data-label="Actions" className="actions">
        {l.state !== 'active' ? null : confirm ? (
          <Inline onCancel={cancel}>
            <span>
              {confirm === 'revoke'
                ? `Revoke ${name}? Its URL stops working at once.`
                : `Give ${name} a new URL? The current one stops working at once; its settings and uses stay.`}
            </span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => {
                setConfirm(null);
                if (confirm === 'revoke') actions.revoke(l);
                else actions.rotate(l);
              }}
            >
              {confirm === 'revoke' ? 'Revoke' : 'Make a new URL'}
            </button>
            <button type="button" className="button" onClick={cancel} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : (
          <div className="row">
            <button
              type="button"
              className="button small"
              disabled={busy}
              onClick={() => setConfirm('rotate')}
              aria-label={`New URL for ${name}`}
            >
              New URL
            </button>
            <button
              ref={opener.ref}
              type="button"
              className="button small danger-outline"
              disabled={busy}
              onClick={() => setConfirm('revoke')}
              aria-label={`Revoke ${name}`}
            >
              Revoke
            </button>
          </div>
        )}
        <OutcomeMessage outcome={outcome} at={l.id} />
      </td>
    </tr>
  );
}

/** The expiry: never, in a few days, or at the end of a chosen day. */
function ExpiryPicker({
  draft,
  onChange,
  error,
}: {
  draft: Draft;
  onChange(d: Draft): void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={id}>Expires</label>
        <select
          id={id}
          value={draft.expiry}
          onChange={(e) => onChange({ ...draft, expiry: e.target.value as Expiry })}
          aria-describedby={`${id}-hint`}
        >
          {EXPIRY_CHOICES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <p className="hint" id={`${id}-hint`}>
          When the link stops working. You can revoke it at any time before.
        </p>
      </div>
      {draft.expiry === 'date' ? (
        <Field
          label="Last day"
          type="date"
          name="date"
          min={today()}
          value={draft.date}
          onChange={(e) => onChange({ ...draft, date: e.target.value })}
          hint="The link works until the end of this day, in your time zone."
          error={error}
        />
      ) : null}
    </>
  );
}

function CreateLinkForm({
  org,
  roles: all,
  onCreated,
}: {
  org: Organization;
  roles: readonly RoleDef[];
  onCreated(res: IssuedJoinLink): void;
}) {
  // A link never makes owners; it offers the roles the viewer may give.
  const { roles, limitNote } = viewerGrants(org, all, { owners: false });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [found, setFound] = useState<Problems>({});
  const form = useSubmit(async () => {
    const res = await api.call('POST /v1/organizations/{org}/join-links', {
      path: { org: org.id },
      body: bodyOf(draft),
    });
    setDraft(EMPTY);
    onCreated(res);
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    const now = check(draft);
    setFound(now);
    if (Object.keys(now).length === 0) void form.submit();
  }

  // The API's complaints by its field names (a domain's is `allowedDomains.<n>`), then the form's own.
  const said = form.fields;
  const domainError = Object.entries(said).find(([field]) => field.startsWith('allowedDomains'))?.[1];
  const fields: Record<string, string | undefined> = {
    label: said.label,
    date: said.expiresAt,
    maxUses: said.maxUses,
    domains: domainError,
    ...found,
  };
  return (
    <section className="section" aria-labelledby="new-link-heading">
      <form className="card medium" onSubmit={submit} noValidate aria-labelledby="new-link-heading">
        <h2 id="new-link-heading" className="form-title">
          Make a join link
        </h2>
        <ProblemSummary problems={found} labels={LABELS} />
        <ErrorMessage>{form.message}</ErrorMessage>
        <RolePicker
          roles={roles}
          value={draft.role}
          onChange={(role) => {
            if (role !== 'owner') setDraft({ ...draft, role });
          }}
          limitNote={`A join link never makes owners.${limitNote ? ` ${limitNote}` : ''}`}
        />
        <Field
          label="Label (optional)"
          name="label"
          maxLength={100}
          autoComplete="off"
          value={draft.label}
          onChange={(e) => setDraft({ ...draft, label: e.target.value })}
          hint="What the link is for (a team, an event). Only admins see it."
          error={fields.label}
        />
        <ExpiryPicker draft={draft} onChange={setDraft} error={fields.date} />
        <Field
          label="Maximum uses (optional)"
          name="maxUses"
          inputMode="numeric"
          autoComplete="off"
          value={draft.maxUses}
          onChange={(e) => setDraft({ ...draft, maxUses: e.target.value })}
          hint={`How many people can join with it, up to ${MAX_USES.toLocaleString('en')}. Empty: no limit.`}
          error={fields.maxUses}
        />
        <Field
          label="Email domains (optional)"
          name="domains"
          autoComplete="off"
          spellCheck={false}
          placeholder="example.com"
          value={draft.domains}
          onChange={(e) => setDraft({ ...draft, domains: e.target.value })}
          hint="Only people with a confirmed email address at one of these domains can use the link. Separate several with commas or spaces (up to 20). Empty: anyone with the link."
          error={fields.domains}
        />
        <Checkbox
          label="Ask an admin to approve each person"
          name="requireApproval"
          checked={draft.requireApproval}
          onChange={(e) => setDraft({ ...draft, requireApproval: e.target.checked })}
          hint="People who use the link wait in Join requests until an admin approves them. Otherwise they join at once."
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Making the link…' : 'Make join link'}
        </button>
      </form>
    </section>
  );
}
