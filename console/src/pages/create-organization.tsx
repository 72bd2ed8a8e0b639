import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { checkName, checkSlug, type Problems, problems } from '../checks.ts';
import { navigate } from '../router.tsx';
import { orgHome } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Field, Page, ProblemSummary, useSubmit } from '../ui.tsx';

const LABELS = { name: 'Name', slug: 'URL name' };

export function CreateOrganizationPage() {
  const { refresh } = useSession();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [found, setFound] = useState<Problems>({});
  const {
    busy,
    message,
    fields: apiFields,
    submit: send,
    clear,
  } = useSubmit(async () => {
    const org = await api.call('POST /v1/organizations', {
      body: slug.trim() ? { name, slug: slug.trim() } : { name },
    });
    await refresh();
    navigate(orgHome(org.slug));
  });

  /** Every problem at once, in words, before asking the API. */
  function submit(e: FormEvent) {
    e.preventDefault();
    clear();
    const now = problems({
      name: checkName(name, 'a name for the organization'),
      slug: slug.trim() ? checkSlug(slug) : undefined,
    });
    setFound(now);
    if (Object.keys(now).length === 0) void send();
  }
  const fields = { ...apiFields, ...found };

  return (
    <Page title="Create an organization">
      <form className="card narrow" onSubmit={submit} noValidate>
        <p className="muted">You will be its first owner.</p>
        <ProblemSummary problems={found} labels={LABELS} />
        <ErrorMessage>{message}</ErrorMessage>
        <Field
          label="Name"
          name="name"
          required
          maxLength={100}
          autoComplete="organization"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
        />
        <Field
          label="URL name (optional)"
          name="slug"
          maxLength={48}
          hint="Lowercase letters, digits and hyphens, e.g. acme-labs. Made from the name when left empty."
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={fields.slug}
          autoCapitalize="none"
          spellCheck={false}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create organization'}
        </button>
      </form>
    </Page>
  );
}
