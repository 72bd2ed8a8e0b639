/**
 * The steps of a sign-in that the console shows (`/oidc/interaction/:uid`) and completes through
 * Roster's API: what is asked, the login (with the person's Roster session: the console signs them in
 * first with its own pages, second factor included), the consent (with the organization they pick),
 * or an abort. Each answer is the URL the browser goes to next, back into the provider.
 *
 * The interaction is found through the provider's interaction cookie, which the browser that started
 * the request holds (its path is the interaction API, see oidc.provider.ts): a person cannot complete
 * someone else's sign-in request by knowing its uid.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Context } from '../../context.ts';
import { CommonErrors } from '../../lib/errors.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { OidcErrors } from './oidc.errors.ts';
import {
  activeMemberships,
  membershipIn,
  ORGANIZATIONS_SCOPE,
  orgIdOfResource,
  orgResource,
} from './oidc.organizations.ts';
import { amrOf } from './oidc.provider.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface Raw {
  req: IncomingMessage;
  res: ServerResponse;
}

/** The interaction the browser's cookie names, which must be `uid`. */
async function interactionOf(provider: Provider, raw: Raw, uid: string): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(raw.req, raw.res);
  } catch {
    throw OidcErrors.INTERACTION_NOT_FOUND();
  }
  if (interaction.uid !== uid) throw OidcErrors.INTERACTION_NOT_FOUND();
  return interaction;
}

const requested = (interaction: Interaction, name: string) => {
  const value = interaction.params[name];
  return typeof value === 'string' ? value : undefined;
};

/** The organization the client asked for with a resource indicator, if any. */
function requestedOrg(interaction: Interaction): string | null {
  const resource = interaction.params.resource;
  const values = Array.isArray(resource) ? resource : typeof resource === 'string' ? [resource] : [];
  for (const r of values) {
    const id = orgIdOfResource(String(r));
    if (id) return id;
  }
  return null;
}

/** Does this login step demand a sign-in made during the request (prompt=login), or within max_age? */
function freshness(interaction: Interaction): { since: Date | null; maxAgeSeconds: number | null } {
  const reasons = interaction.prompt.reasons;
  const maxAge = requested(interaction, 'max_age');
  return {
    since: reasons.includes('login_prompt') ? new Date(interaction.iat * 1000) : null,
    maxAgeSeconds: maxAge !== undefined && reasons.includes('max_age') ? Number(maxAge) : null,
  };
}

export async function interactionDetails(
  ctx: Context,
  provider: Provider,
  raw: Raw,
  uid: string,
  principal: UserPrincipal | null,
) {
  const interaction = await interactionOf(provider, raw, uid);
  const client = await provider.Client.find(String(interaction.params.client_id));
  if (!client) throw OidcErrors.INTERACTION_NOT_FOUND();
  const scopes = (requested(interaction, 'scope') ?? '').split(' ').filter(Boolean);
  const fresh = freshness(interaction);
  const memberships =
    principal && scopes.includes(ORGANIZATIONS_SCOPE)
      ? await activeMemberships(ctx.db, principal.user.id)
      : [];
  const details = interaction.prompt.details as { missingOIDCScope?: string[] };
  return {
    uid: interaction.uid,
    prompt: interaction.prompt.name as 'login' | 'consent',
    reasons: interaction.prompt.reasons,
    client: {
      id: client.clientId,
      name: client.clientName ?? client.clientId,
      firstParty: client['urn:roster:first_party'] === true,
    },
    scopes,
    missingScopes: details.missingOIDCScope ?? [],
    signIn: {
      required: interaction.prompt.name === 'login',
      // prompt=login: only a sign-in made after this moment will do
      freshSince: fresh.since,
      maxAgeSeconds: fresh.maxAgeSeconds,
      loginHint: requested(interaction, 'login_hint') ?? null,
    },
    user: principal
      ? { id: principal.user.id, email: principal.user.email, name: principal.user.name }
      : null,
    organizationRequested: requestedOrg(interaction),
    organizations: memberships.map((m) => ({
      id: m.id,
      slug: m.slug,
      name: m.name,
      role: m.role,
      // the organization requires a second factor this person has not set up
      available: !m.mfaBlocked,
    })),
    expiresAt: new Date(interaction.exp * 1000),
  };
}

/** Completes the login step with the caller's Roster session. */
export async function completeLogin(
  ctx: Context,
  provider: Provider,
  raw: Raw,
  uid: string,
  principal: UserPrincipal,
) {
  const interaction = await interactionOf(provider, raw, uid);
  if (interaction.prompt.name !== 'login')
    throw OidcErrors.INTERACTION_STEP_INVALID({ prompt: interaction.prompt.name });
  const session = await ctx.db
    .selectFrom('sessions')
    .select(['created_at', 'auth_methods'])
    .where('id', '=', principal.sessionId)
    .executeTakeFirst();
  if (!session) throw CommonErrors.UNAUTHENTICATED();
  const fresh = freshness(interaction);
  const signedInAt = session.created_at;
  // To the second: the engine records when the request started in whole seconds.
  if (
    (fresh.since && Math.floor(signedInAt.getTime() / 1000) < Math.floor(fresh.since.getTime() / 1000)) ||
    (fresh.maxAgeSeconds !== null && Date.now() - signedInAt.getTime() > fresh.maxAgeSeconds * 1000)
  ) {
    throw OidcErrors.FRESH_SIGN_IN_REQUIRED({
      signedInAt,
      freshSince: fresh.since,
      maxAgeSeconds: fresh.maxAgeSeconds,
    });
  }
  const redirectTo = await provider.interactionResult(
    raw.req,
    raw.res,
    {
      login: {
        accountId: principal.user.id,
        // auth_time is when the person really signed in, not now
        ts: Math.floor(signedInAt.getTime() / 1000),
        amr: amrOf(session.auth_methods),
        remember: true,
      },
    },
    { mergeWithLastSubmission: false },
  );
  return { redirectTo };
}

/**
 * Completes the consent step: grants what the client asked for, and — when the person picks an
 * organization — records it (the ID token names it, see oidc.provider.ts).
 */
export async function completeConsent(
  ctx: Context,
  provider: Provider,
  raw: Raw,
  uid: string,
  principal: UserPrincipal,
  organizationId: string | undefined,
) {
  const interaction = await interactionOf(provider, raw, uid);
  if (interaction.prompt.name !== 'consent') {
    throw OidcErrors.INTERACTION_STEP_INVALID({ prompt: interaction.prompt.name });
  }
  const accountId = interaction.session?.accountId;
  if (accountId !== principal.user.id) {
    throw CommonErrors.FORBIDDEN(undefined, 'This sign-in request is another person’s.');
  }
  const clientId = String(interaction.params.client_id);
  const scopes = (requested(interaction, 'scope') ?? '').split(' ');
  const asked = requestedOrg(interaction);
  if (organizationId !== undefined) {
    const orgId = organizationId.toLowerCase();
    if (!scopes.includes(ORGANIZATIONS_SCOPE)) {
      throw OidcErrors.ORGANIZATION_NOT_AVAILABLE(
        { field: 'organizationId' },
        'The application did not ask for the organizations scope.',
      );
    }
    if (asked && asked !== orgId) {
      throw OidcErrors.ORGANIZATION_NOT_AVAILABLE(
        { field: 'organizationId', requested: asked },
        'The application asked for another organization.',
      );
    }
    const standing = await membershipIn(ctx.db, principal.user.id, orgId);
    if (!standing || standing.mfaBlocked)
      throw OidcErrors.ORGANIZATION_NOT_AVAILABLE({ field: 'organizationId' });
  }
  const grant = interaction.grantId
    ? ((await provider.Grant.find(interaction.grantId)) ?? new provider.Grant({ accountId, clientId }))
    : new provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, list] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, list.join(' '));
  }
  if (organizationId !== undefined) {
    // One organization picked at a time: the last pick replaces the one before.
    for (const resource of Object.keys(grant.resources ?? {})) {
      if (orgIdOfResource(resource) && grant.resources) delete grant.resources[resource];
    }
    grant.addResourceScope(orgResource(organizationId.toLowerCase()), ORGANIZATIONS_SCOPE);
  }
  const grantId = await grant.save();
  const redirectTo = await provider.interactionResult(
    raw.req,
    raw.res,
    { consent: { grantId } },
    {
      mergeWithLastSubmission: true,
    },
  );
  return { redirectTo };
}

/** The person declined: the client receives `access_denied`. */
export async function abortInteraction(provider: Provider, raw: Raw, uid: string) {
  await interactionOf(provider, raw, uid);
  const redirectTo = await provider.interactionResult(
    raw.req,
    raw.res,
    { error: 'access_denied', error_description: 'The person declined the request.' },
    { mergeWithLastSubmission: false },
  );
  return { redirectTo };
}
