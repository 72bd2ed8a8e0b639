/**
 * What became of the signed-in person's requests to join, as news for the home page: the answers
 * (approved, or not accepted) of the last 30 days that the person has not dismissed, read from the API
 * (`GET /v1/me/join-requests`, which keeps the answer even when a rejection deleted the request). Any
 * browser the person signs in on tells them, whether or not it saw the request waiting; dismissing is
 * kept by the API too (`POST /v1/me/join-requests/{id}/dismiss`), so news read on one device is not
 * news on another. Nothing is kept in the browser.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { ApiError, api, type MyJoinRequest } from './api.ts';

export interface RequestNews {
  /** The request's id (its membership's). */
  id: string;
  organizationId: string;
  name: string;
  outcome: 'approved' | 'not_approved';
  answeredAt: string;
}

interface State {
  /** Whose news these are: the store outlives a sign-out and the next person's sign-in. */
  userId: string | null;
  news: RequestNews[];
}

let state: State = { userId: null, news: [] };
const listeners = new Set<() => void>();
/** The read under way, shared by whoever asks for one meanwhile (the session and the home page at start). */
let reading: { userId: string; done: Promise<void> } | null = null;
/** Counts reads, so that an answer overtaken by a newer read (after a dismissal) is dropped. */
let generation = 0;

function publish(next: State) {
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

const current = (userId: string) => (state.userId === userId ? state.news : []);

/** The answers to tell: neither waiting nor dismissed. */
export function newsOf(requests: MyJoinRequest[]): RequestNews[] {
  return requests.flatMap((r) =>
    r.status === 'pending' || r.dismissedAt !== null || r.answeredAt === null
      ? []
      : [
          {
            id: r.id,
            organizationId: r.organization.id,
            name: r.organization.name,
            outcome: r.status === 'approved' ? ('approved' as const) : ('not_approved' as const),
            answeredAt: r.answeredAt,
          },
        ],
  );
}

/**
 * Reads the person's requests again. The news is nice to have, never a reason to fail: when the read
 * fails, what was known stays.
 */
export function loadRequestNews(userId: string): Promise<void> {
  if (reading?.userId === userId) return reading.done;
  const mine = ++generation;
  const done = api
    .call('GET /v1/me/join-requests')
    .then(
      ({ data }) => {
        if (mine === generation) publish({ userId, news: newsOf(data) });
      },
      () => undefined,
    )
    .finally(() => {
      if (reading?.done === done) reading = null;
    });
  reading = { userId, done };
  return done;
}

/**
 * The person has read the news of one answer: the API keeps that, and the news goes once it has.
 * A 404 (the answer is past its 30 days, or the account changed meanwhile) drops it all the same.
 */
export async function dismissNews(userId: string, id: string): Promise<void> {
  try {
    await api.call('POST /v1/me/join-requests/{id}/dismiss', { path: { id } });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  generation++;
  publish({ userId, news: current(userId).filter((n) => n.id !== id) });
}

/** The news for `userId`, read when the hook first runs for them and kept up to date after. */
export function useRequestNews(userId: string | undefined): RequestNews[] {
  const snapshot = useSyncExternalStore(subscribe, () => state);
  useEffect(() => {
    if (userId) void loadRequestNews(userId);
  }, [userId]);
  return userId && snapshot.userId === userId ? snapshot.news : [];
}
