import { type FormEvent, useId, useState } from 'react';
import type { Body } from '../../../src/client/client.ts';
import { api, errorCode, type Organization } from '../api.ts';
import { checkName, checkSlug, checkWholeNumber, type Problems, problems } from '../checks.ts';
import { Link, navigate } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import {
  Checkbox,
  ErrorMessage,
  Field,
  FocusedNotice,
  Notice,
  navigateWithNotice,
  Page,
  ProblemSummary,
  useSubmit,
} from '../ui.tsx';

type OrganizationChanges = Body<'PATCH /v1/organizations/{org}'>;

interface Draft {
  name: string;
  slug: string;
  joinRequestsEnabled: boolean;
  ssoEnforced: boolean;
  mfaRequired: boolean;
  /** Empty = unlimited. */
  memberLimit: string;
  inviteExpiryDays: string;
}

const toDraft = (o: Organization): Draft => ({
  name: o.name,
  slug: o.slug,
  joinRequestsEnabled: o.joinRequestsEnabled,
  ssoEnforced: o.ssoEnforced,
  mfaRequired: o.mfaRequired,
  memberLimit: o.memberLimit === null ? '' : String(o.memberLimit),
  inviteExpiryDays: String(o.inviteExpiryDays),
});

/** A whole number typed into a field (the form's checks have made sure it is one). */
const asNumber = (raw: string): number => Number(raw.trim());

/** The form's fields, named as their labels say. */
const LABELS: Record<string, string> = {
  name: 'Name',
  slug: 'URL name',
  memberLimit: 'Member limit',
  inviteExpiryDays: 'Invitation expiry (days)',
};

/** Every problem with the draft at once, in words (the API would name only the first). */
function check(draft: Draft): Problems {
  return problems({
    name: checkName(draft.name, "the organization's name"),
    slug: checkSlug(draft.slug),
    memberLimit: checkWholeNumber(draft.memberLimit, { min: 1, max: 1_000_000, optional: true }),
    inviteExpiryDays: checkWholeNumber(draft.inviteExpiryDays, { min: 1, max: 365 }),
  });
}

/** What the form changes: only the settings that differ from the organization's. */
function changesOf(draft: Draft, org: Organization): OrganizationChanges {
  const before = toDraft(org);
  const body: OrganizationChanges = {};
  if (draft.name !== before.name) body.name = draft.name;
  if (draft.slug !== before.slug) body.slug = draft.slug.trim();
  if (draft.joinRequestsEnabled !== before.joinRequestsEnabled)
    body.joinRequestsEnabled = draft.joinRequestsEnabled;
  if (draft.ssoEnforced !== before.ssoEnforced) body.ssoEnforced = draft.ssoEnforced;
  if (draft.mfaRequired !== before.mfaRequired) body.mfaRequired = draft.mfaRequired;
  if (draft.memberLimit.trim() !== before.memberLimit) {
    body.memberLimit = draft.memberLimit.trim() === '' ? null : asNumber(draft.memberLimit);
  }
  if (draft.inviteExpiryDays.trim() !== before.inviteExpiryDays) {
    body.inviteExpiryDays = asNumber(draft.inviteExpiryDays);
  }
  return body;
}

/**
 * The organization's name, URL name and settings (two-factor required among them); read-only without
 * `org:write`.
 */
export function SettingsPage({ org, reloadOrg }: OrgPageProps) {
  const { refresh } = useSession();
  const [draft, setDraft] = useState<Draft>(() => toDraft(org));
  const [saved, setSaved] = useState(false);
  /** Problems found before asking the API, every one at once. */
  const [fieldProblem, setFieldProblem] = useState<Problems>({});
  const canWrite = org.viewer.scopes.includes('org:write');
  const here = `/orgs/${encodeURIComponent(org.slug)}/settings`;

  const save = useSubmit(async () => {
    const updated = await api.call('PATCH /v1/organizations/{org}', {
      path: { org: org.id },
      body: changesOf(draft, org),
    });
    setDraft(toDraft(updated));
    setSaved(true);
    if (updated.slug !== org.slug || updated.name !== org.name) await refresh();
    if (updated.slug !== org.slug)
      navigate(`/orgs/${encodeURIComponent(updated.slug)}/settings`, { replace: true });
    else reloadOrg();
  });

  /** Nothing changed, or problems found in the form: answered here, without asking the API. */
  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    save.clear();
    const found = check(draft);
    setFieldProblem(found);
    if (Object.keys(found).length > 0) return;
    if (Object.keys(changesOf(draft, org)).length === 0) {
      setSaved(true);
      return;
    }
    void save.submit();
  }

  const fields = { ...save.fields, ...fieldProblem };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setSaved(false);
    setDraft((d) => ({ ...d, [key]: value }));
  };

  return (
    <Page title="Settings">
      <form className="card medium" onSubmit={submit} noValidate aria-label="Organization settings">
        {canWrite ? null : <Notice>Only owners and admins can change these settings.</Notice>}
        <ErrorMessage>
          {errorCode(save.error) === 'MFA_ENROLMENT_REQUIRED' ? (
            <>
              Set up two-factor authentication for your own account first (an authenticator app or a passkey):
              otherwise requiring it would lock you out of {org.name}.{' '}
              <Link to={`/account/security?${new URLSearchParams({ next: here })}`}>
                Set up two-factor authentication
              </Link>
            </>
          ) : (
            save.message
          )}
        </ErrorMessage>
        <ProblemSummary problems={fieldProblem} labels={LABELS} />
        {saved ? <FocusedNotice>Settings saved.</FocusedNotice> : null}
        <fieldset disabled={!canWrite || save.busy}>
          <legend className="visually-hidden">Organization</legend>
          <Field
            label="Name"
            name="name"
            required
            maxLength={100}
            value={draft.name}
            onChange={(e) => set('name', e.target.value)}
            error={fields.name}
          />
          <Field
            label="URL name"
            name="slug"
            required
            maxLength={48}
            hint="Used in links and API paths. Changing it breaks links that use the old one."
            value={draft.slug}
            onChange={(e) => set('slug', e.target.value)}
            error={fields.slug}
            autoCapitalize="none"
            spellCheck={false}
          />
          <Field
            label="Member limit"
            name="memberLimit"
            inputMode="numeric"
            hint="Seats: active members plus pending invitations. Leave empty for no limit."
            value={draft.memberLimit}
            onChange={(e) => set('memberLimit', e.target.value)}
            error={fields.memberLimit}
          />
          <Field
            label="Invitation expiry (days)"
            name="inviteExpiryDays"
            inputMode="numeric"
            hint="How long an emailed invitation link stays valid (1–365 days)."
            value={draft.inviteExpiryDays}
            onChange={(e) => set('inviteExpiryDays', e.target.value)}
            error={fields.inviteExpiryDays}
          />
          <Checkbox
            label="Accept join requests"
            hint="Anyone who knows the organization's URL name may ask to join; an admin approves."
            checked={draft.joinRequestsEnabled}
            onChange={(e) => set('joinRequestsEnabled', e.target.checked)}
          />
          {/*
            Roster has no single sign-on yet: the switch only turns join requests off. It is hidden
            while off, and shown for what it does while on (set through the API), to be turned off.
          */}
          {org.ssoEnforced ? (
            <Checkbox
              label="Single sign-on enforced: join requests refused"
              hint="Roster has no single sign-on yet, so today this setting only refuses every request to join (even with “Accept join requests” on). Turn it off to take requests again."
              checked={draft.ssoEnforced}
              onChange={(e) => set('ssoEnforced', e.target.checked)}
            />
          ) : null}
          <Checkbox
            label="Require two-factor authentication"
            hint="Members without an authenticator app or a passkey cannot open the organization until they set one up (they are sent to do so). You need one yourself first."
            checked={draft.mfaRequired}
            onChange={(e) => set('mfaRequired', e.target.checked)}
          />
          {canWrite ? (
            <button type="submit" className="button primary">
              {save.busy ? 'Saving…' : 'Save settings'}
            </button>
          ) : null}
        </fieldset>
      </form>
      {org.viewer.scopes.includes('org:delete') ? <DeleteOrganization org={org} /> : null}
    </Page>
  );
}

/**
 * The danger zone, for owners: deleting takes the organization away from everyone, so the person types
 * its URL name first (the button stays disabled until it matches).
 */
function DeleteOrganization({ org }: { org: Organization }) {
  const { refresh } = useSession();
  const [typed, setTyped] = useState('');
  const confirmed = typed.trim() === org.slug;
  const removal = useSubmit(async () => {
    if (!confirmed) return;
    await api.call('DELETE /v1/organizations/{org}', { path: { org: org.id } });
    await refresh();
    navigateWithNotice('/', `${org.name} was deleted.`);
  });
  const heading = useId();
  return (
    <section className="danger-zone" aria-labelledby={heading}>
      <h2 id={heading}>Delete organization</h2>
      <form className="card medium" onSubmit={removal.submit} noValidate>
        <p>
          Deleting <strong>{org.name}</strong> cannot be undone. Everyone loses access to it at once, and with
          it go:
        </p>
        <ul>
          <li>its members and their roles, join requests and people still asked to join;</li>
          <li>its invitations: links already emailed stop working;</li>
          <li>
            its webhook endpoints, the apps installed in it, and the apps it published (with their
            installations in other organizations).
          </li>
        </ul>
        <p>
          Its URL name <code>{org.slug}</code> becomes free for another organization to take.
        </p>
        <ErrorMessage>
          {errorCode(removal.error) === 'FORBIDDEN'
            ? 'Only an owner can delete the organization, and your role no longer allows it. Reload the page to see your role.'
            : removal.message}
        </ErrorMessage>
        <Field
          label={`Type ${org.slug} to confirm`}
          name="confirmSlug"
          hint="The organization's URL name, as it appears in its links."
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="button danger" disabled={!confirmed || removal.busy}>
          {removal.busy ? 'Deleting…' : 'Delete this organization'}
        </button>
      </form>
    </section>
  );
}
