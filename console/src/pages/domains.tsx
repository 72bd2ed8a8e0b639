/**
 * The organization's verified domains (`/orgs/:org/domains`, read with `member:read`): each domain with
 * its status in words. A pending domain shows the DNS TXT record to publish (name and value, each with a
 * Copy button) and a Verify button, whose failures say why (a missing record: what the lookup found).
 * A verified domain has a policy for people with a verified email there: off, suggest the organization
 * to them (they may ask to join), or have them join automatically with a role (`member:admin` too, and
 * a role within the viewer's own abilities, never owner); switching auto-join on says how many people
 * joined or asked. With `org:write` the viewer adds, verifies, sets the policy of and removes domains.
 */
import { type FormEvent, useId, useState } from 'react';
import { type RoleDef, roleLabel, withArticle } from '../access.ts';
import {
  ApiError,
  api,
  errorCode,
  explain,
  formatDate,
  formatDateTime,
  type Organization,
  type OrgDomain,
} from '../api.ts';
import { useLoad } from '../hooks.ts';
import { RolePicker, useOrgRoles, viewerGrants } from '../members/roles.tsx';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  CopyField,
  Empty,
  ErrorMessage,
  Field,
  Inline,
  LoadError,
  Loading,
  type Outcome,
  OutcomeMessage,
  Page,
  useOpener,
  useOutcome,
  useSubmit,
} from '../ui.tsx';

type Policy = OrgDomain['policy'];

const listDomains = async (org: string) =>
  (await api.call('GET /v1/organizations/{org}/domains', { path: { org } })).data;

const STATUS_LABELS: Record<OrgDomain['status'], string> = {
  pending: 'not verified yet',
  verified: 'verified',
  record_missing: 'record missing',
};

const STATUS_CLASSES: Record<OrgDomain['status'], string> = {
  pending: 'status-pending',
  verified: 'status-active',
  record_missing: 'status-failed',
};

/** A domain as typed: trimmed, lowercase, without a scheme, a path or a trailing dot. */
function cleanDomain(typed: string): string {
  return typed
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^.*@/, '')
    .replace(/[/?#].*$/, '')
    .replace(/\.$/, '');
}

/** What the form checks before anything is sent; undefined when it looks like a domain. */
function checkDomain(domain: string): string | undefined {
  if (!domain) return 'Enter a domain, for example example.com.';
  if (!/^(?=.{3,254}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(domain))
    return 'Enter a domain name such as example.com (letters, digits, - and dots).';
  return undefined;
}

/** "Off", "Suggested to people at example.com", "Joining automatically as a member". */
function policyInWords(d: OrgDomain, orgName: string, roles: readonly RoleDef[]): string {
  if (d.policy === 'suggest')
    return `People with a verified email at ${d.domain} see ${orgName} suggested and may ask to join.`;
  if (d.policy === 'auto_join')
    return `People with a verified email at ${d.domain} join ${orgName} automatically as ${withArticle(d.role, roles)}.`;
  return `Nothing happens for people at ${d.domain}: the domain is not used to suggest ${orgName} or to let people join.`;
}

/** What switching auto-join on did to the people already verified at the domain. */
function appliedInWords(
  applied: { joined: number; requested: number },
  role: string,
  roles: readonly RoleDef[],
) {
  const people = (n: number) => (n === 1 ? '1 person' : `${n} people`);
  const parts = [
    applied.joined === 0
      ? 'Nobody already at the domain joined'
      : `${people(applied.joined)} already at the domain joined as ${withArticle(role, roles)}`,
  ];
  if (applied.requested > 0)
    parts.push(
      `${people(applied.requested)} asked to join and ${applied.requested === 1 ? 'waits' : 'wait'} in Join requests (the organization has no free seat)`,
    );
  return `${parts.join('; ')}.`;
}

export function DomainsPage({ org }: OrgPageProps) {
  const canEdit = org.viewer.scopes.includes('org:write');
  const [version, setVersion] = useState(0);
  const list = useLoad(() => listDomains(org.id), `${org.id}|domains|${version}`);
  const reload = () => setVersion((v) => v + 1);
  const { outcome, show, busy, act } = useOutcome(reload);
  const { roles } = useOrgRoles(org);
  const domains = list.data;

  return (
    <Page title="Domains">
      <p className="muted intro">
        Prove that {org.name} owns an email domain (such as example.com) by publishing a DNS record, then
        choose what happens for people with a verified email address there: {org.name} can be suggested to
        them, or they can join automatically. {canEdit ? null : 'Owners and admins add and verify domains.'}
      </p>
      {canEdit ? (
        <AddDomainForm
          org={org}
          onAdded={(d) => {
            reload();
            show({ ok: `${d.domain} was added. Publish its TXT record, then verify it.`, at: d.id });
          }}
        />
      ) : null}
      <OutcomeMessage outcome={outcome} />
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !domains ? <Loading label="Loading domains…" /> : null}
      {domains ? (
        <section className="section" aria-labelledby="domains-heading">
          <h2 id="domains-heading">Domains of {org.name}</h2>
          {domains.length === 0 ? (
            <Empty title="No domains yet.">
              {canEdit ? 'Add one above to verify it.' : 'An owner or admin can add one.'}
            </Empty>
          ) : (
            <ul className="domain-list" aria-labelledby="domains-heading">
              {domains.map((d) => (
                <DomainCard
                  key={d.id}
                  org={org}
                  domain={d}
                  roles={roles}
                  canEdit={canEdit}
                  outcome={outcome}
                  busy={busy}
                  onSaved={(ok) => {
                    reload();
                    show({ ok, at: d.id });
                  }}
                  onRemove={() =>
                    act(`${d.domain} was not removed.`, async () => {
                      await api.call('DELETE /v1/organizations/{org}/domains/{id}', {
                        path: { org: org.id, id: d.id },
                      });
                      return `${d.domain} was removed. Its policy no longer applies; people who joined through it stay members.`;
                    })
                  }
                />
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </Page>
  );
}

function AddDomainForm({ org, onAdded }: { org: Organization; onAdded(d: OrgDomain): void }) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const form = useSubmit(async () => {
    const added = await api.call('POST /v1/organizations/{org}/domains', {
      path: { org: org.id },
      body: { domain: cleanDomain(typed) },
    });
    setTyped('');
    onAdded(added);
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    const found = checkDomain(cleanDomain(typed));
    setProblem(found);
    if (!found) void form.submit();
  }

  return (
    <form className="card medium" onSubmit={submit} noValidate aria-labelledby="add-domain-heading">
      <h2 id="add-domain-heading" className="form-title">
        Add a domain
      </h2>
      {form.error && !(form.error instanceof ApiError && form.fields.domain) ? (
        <ErrorMessage>{form.message}</ErrorMessage>
      ) : null}
      <Field
        label="Domain"
        name="domain"
        autoComplete="off"
        spellCheck={false}
        placeholder="example.com"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        hint="The part of your people’s email addresses after @. You will get a DNS record to publish there."
        error={problem ?? form.fields.domain}
      />
      <button type="submit" className="button primary" disabled={form.busy}>
        {form.busy ? 'Adding…' : 'Add domain'}
      </button>
    </form>
  );
}

function DomainCard({
  org,
  domain: d,
  roles,
  canEdit,
  outcome,
  busy,
  onSaved,
  onRemove,
}: {
  org: Organization;
  domain: OrgDomain;
  roles: readonly RoleDef[];
  canEdit: boolean;
  outcome: Outcome | null;
  busy: boolean;
  onSaved(ok: string): void;
  onRemove(): Promise<void>;
}) {
  const headingId = useId();
  const [confirming, setConfirming] = useState(false);
  const removeOpener = useOpener();
  const [missing, setMissing] = useState<{ name: string; found: string[] } | null>(null);
  const verify = useSubmit(
    async () => {
      setMissing(null);
      await api.call('POST /v1/organizations/{org}/domains/{id}/verify', {
        path: { org: org.id, id: d.id },
      });
      onSaved(
        d.status === 'record_missing'
          ? `The record of ${d.domain} was found again: its policy applies again.`
          : `${d.domain} is verified. Choose below what happens for people with an email address there.`,
      );
    },
    (err) => {
      if (errorCode(err) === 'DOMAIN_RECORD_MISSING' && err instanceof ApiError) {
        const details = (err.details ?? {}) as { found?: unknown };
        const found = Array.isArray(details.found) ? details.found.filter((v) => typeof v === 'string') : [];
        setMissing({ name: d.record.name, found });
      }
    },
  );
  const showRecord = d.status !== 'verified';
  const cancelRemove = () => {
    setConfirming(false);
    removeOpener.refocus();
  };

  return (
    <li className="card domain-card" aria-labelledby={headingId}>
      <div className="section-header">
        <h3 id={headingId} className="domain-name">
          {d.domain}
        </h3>
        <span className={`badge ${STATUS_CLASSES[d.status]}`}>{STATUS_LABELS[d.status]}</span>
      </div>
      <p className="muted">
        {d.status === 'pending'
          ? `Added on ${formatDate(d.createdAt)}; not verified yet.`
          : d.status === 'verified'
            ? `Verified on ${formatDate(d.verifiedAt)}${d.lastCheckedAt ? `; record last found ${formatDateTime(d.lastCheckedAt)}` : ''}.`
            : `Verified on ${formatDate(d.verifiedAt)}, but its DNS record was not found at a check${d.recordMissingSince ? ` on ${formatDateTime(d.recordMissingSince)}` : ''}. Its policy is on hold until the record is back; if it stays missing for 3 days, the domain is no longer verified.`}
      </p>
      <OutcomeMessage outcome={outcome} at={d.id} />
      {showRecord ? (
        <div className="domain-record">
          <p>
            {d.status === 'pending'
              ? `To verify ${d.domain}, publish this TXT record with your DNS provider, then press Verify. DNS changes can take a while to spread.`
              : `Publish this TXT record again (or check that it is still there), then press Check again.`}
          </p>
          <p>
            Type: <code>{d.record.type}</code>
          </p>
          <CopyField label={`Record name for ${d.domain}`} value={d.record.name} />
          <CopyField label={`Record value for ${d.domain}`} value={d.record.value} />
          {canEdit ? (
            <div className="row">
              <button
                type="button"
                className="button primary"
                onClick={() => verify.submit()}
                disabled={verify.busy || busy}
                aria-label={`${d.status === 'pending' ? 'Verify' : 'Check again'} ${d.domain}`}
              >
                {verify.busy ? 'Looking the record up…' : d.status === 'pending' ? 'Verify' : 'Check again'}
              </button>
            </div>
          ) : null}
          {verify.error ? (
            <ErrorMessage>
              {missing ? (
                <>
                  <p>
                    The TXT record was not found at <code>{missing.name}</code>.{' '}
                    {missing.found.length === 0
                      ? 'The lookup found no TXT record there at all.'
                      : `The lookup found ${missing.found.length === 1 ? 'another value' : 'other values'} there:`}
                  </p>
                  {missing.found.length > 0 ? (
                    <ul className="found-values">
                      {missing.found.map((v) => (
                        <li key={v}>
                          <code>{v}</code>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  <p>Publish the record exactly as shown, wait for the change to spread, and try again.</p>
                </>
              ) : (
                `${d.domain} was not verified. ${explain(verify.error)}`
              )}
            </ErrorMessage>
          ) : null}
        </div>
      ) : null}
      {d.status === 'pending' ? null : canEdit ? (
        <PolicyForm org={org} domain={d} roles={roles} onSaved={onSaved} />
      ) : (
        <p>{policyInWords(d, org.name, roles)}</p>
      )}
      {canEdit ? (
        confirming ? (
          <Inline onCancel={cancelRemove}>
            <span>
              Remove {d.domain}? Its policy stops at once; people who joined through it stay members.
            </span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => {
                void onRemove();
              }}
            >
              Remove
            </button>
            <button type="button" className="button" onClick={cancelRemove} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : (
          <div className="row">
            <button
              ref={removeOpener.ref}
              type="button"
              className="button small"
              onClick={() => setConfirming(true)}
              aria-label={`Remove ${d.domain}`}
            >
              Remove
            </button>
          </div>
        )
      ) : null}
    </li>
  );
}

function PolicyForm({
  org,
  domain: d,
  roles: all,
  onSaved,
}: {
  org: Organization;
  domain: OrgDomain;
  roles: readonly RoleDef[];
  onSaved(ok: string): void;
}) {
  const id = useId();
  const canAutoJoin = org.viewer.scopes.includes('member:admin');
  // A domain never makes owners; it offers the roles the viewer may give.
  const { roles, limitNote } = viewerGrants(org, all, { owners: false });
  const [policy, setPolicy] = useState<Policy>(d.policy);
  const [role, setRole] = useState<string>(d.policy === 'auto_join' ? d.role : 'member');
  const save = useSubmit(async () => {
    const res = await api.call('PATCH /v1/organizations/{org}/domains/{id}', {
      path: { org: org.id, id: d.id },
      body: policy === 'auto_join' ? { policy, role } : { policy },
    });
    const said =
      policy === 'off'
        ? `${d.domain} is no longer used to suggest ${org.name} or to let people join.`
        : policy === 'suggest'
          ? `${org.name} is now suggested to people with a verified email address at ${d.domain}; they may ask to join.`
          : `People with a verified email address at ${d.domain} now join ${org.name} automatically as ${withArticle(role, all)}.`;
    onSaved(policy === 'auto_join' ? `${said} ${appliedInWords(res.applied, role, all)}` : said);
  });
  const unchanged = policy === d.policy && (policy !== 'auto_join' || role === d.role);

  function submit(e: FormEvent) {
    e.preventDefault();
    void save.submit();
  }

  const option = (value: Policy, label: string, disabled = false) => (
    <div className="field checkbox">
      <input
        type="radio"
        id={`${id}-${value}`}
        name={`${id}-policy`}
        value={value}
        checked={policy === value}
        disabled={disabled}
        onChange={() => setPolicy(value)}
      />
      <label htmlFor={`${id}-${value}`}>{label}</label>
    </div>
  );

  return (
    <form onSubmit={submit} aria-label={`Policy for ${d.domain}`}>
      <fieldset>
        <legend className="legend">For people with a verified email address at {d.domain}</legend>
        {option('off', 'Off')}
        {option('suggest', `Suggest ${org.name} to people at the domain`)}
        {option(
          'auto_join',
          `Join automatically as ${roleLabel(policy === 'auto_join' ? role : 'member', all)}`,
          !canAutoJoin && d.policy !== 'auto_join',
        )}
        {!canAutoJoin ? (
          <p className="hint">Letting people join automatically takes the right to manage members.</p>
        ) : null}
      </fieldset>
      {policy === 'auto_join' ? (
        <RolePicker
          label="Role for people who join automatically"
          roles={roles}
          value={role}
          onChange={(r) => {
            if (r !== 'owner') setRole(r);
          }}
          limitNote={`A domain never makes owners.${limitNote ? ` ${limitNote}` : ''}`}
        />
      ) : null}
      {policy === 'auto_join' && d.policy !== 'auto_join' ? (
        <p className="hint">
          Saving also takes in the people who already have a verified email address at {d.domain} (as{' '}
          {roleLabel(role, all)}), or records their request when {org.name} is full.{' '}
          <Link to={`/orgs/${encodeURIComponent(org.slug)}/join-requests`}>Join requests</Link> lists those
          waiting.
        </p>
      ) : null}
      <ErrorMessage>{save.message ? `The policy was not saved. ${save.message}` : null}</ErrorMessage>
      <button type="submit" className="button" disabled={save.busy || unchanged}>
        {save.busy ? 'Saving…' : 'Save policy'}
      </button>
    </form>
  );
}
