/**
 * Every event Roster publishes: what webhook endpoints subscribe to and what the analytics sink
 * records. The one list; a type not named here cannot be published.
 */
export const EVENT_CATALOG = {
  'member.added': 'A membership became active (organization created, invitation or join request accepted).',
  'member.removed':
    'A member was removed or left (`data.reason`: `removed`, `left`, `expired` when their access reached its end, or `account_deleted` when the person deleted their account).',
  'member.role_changed': "A member's role changed (`data.from`, `data.to`).",
  'role.created': "One of the organization's own roles was defined (`data.key`, `data.name`, `data.scopes`).",
  'role.updated':
    "One of the organization's own roles changed: its members hold `data.scopes` from now on (`data.previousScopes`).",
  'role.deleted':
    "One of the organization's own roles was deleted; its holders moved to `data.replaceWith` (each active member's move also published as member.role_changed).",
  'invitation.created': 'An invitation was created.',
  'invitation.accepted': 'An invitation was accepted.',
  'join_request.created': 'Someone asked to join.',
  'seat.changed':
    'The count `memberLimit` applies to (active members plus pending invitations) changed: `data.seats`, `data.previous`, `data.memberLimit` (null: no limit). Published shortly after the change, once per new count: a burst of changes may be reported as one.',
  'installation.created': 'An app was installed (pending until the app marks it installed).',
  'installation.updated': 'An installation changed status (the app marked it installed).',
  'installation.deleted': 'An app was uninstalled.',
  'webhook.test':
    "A test message, sent on request from an endpoint's page (`POST …/webhooks/{id}/test`) to that endpoint alone, whatever it subscribes to; never subscribed to.",
} as const;

export type EventType = keyof typeof EVENT_CATALOG;

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EVENT_CATALOG, value);
}

/** Types sent on request only, to one endpoint: not published, not subscribed to (not even by `*`). */
const ON_REQUEST: ReadonlySet<EventType> = new Set(['webhook.test']);

/** A type an endpoint may subscribe to (`events`): every published one. */
export function isSubscribable(type: EventType): boolean {
  return !ON_REQUEST.has(type);
}

/** The events an installed app hears about its own installation, whatever endpoints exist. */
export function isInstallationEvent(type: EventType): boolean {
  return type.startsWith('installation.');
}
