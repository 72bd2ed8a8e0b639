/**
 * Who is signed in, and their organizations. The session itself is the HttpOnly cookie Roster sets on
 * sign-in and sign-up; the console never sees the token.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import {
  ApiError,
  api,
  type MyInvitation,
  type MyOrganization,
  type OwnershipTransfer,
  type User,
} from './api.ts';
import { loadRequestNews } from './request-news.ts';

export interface Session {
  /** undefined while loading; null when signed out. */
  user: User | null | undefined;
  organizations: MyOrganization[];
  /** Invitations and owner-adds waiting for the person's answer (for the header's menus). */
  invitations: MyInvitation[];
  /** Proposals to make the person an owner of an organization, waiting for their answer. */
  transfers: OwnershipTransfer[];
  /** What became of the person's requests to join since this browser last saw them waiting. */
  /** Reads the user and their organizations again (after sign-in, verification, joining, leaving). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
  /** The error that kept the session from loading (other than being signed out). */
  error: unknown;
}

const SessionContext = createContext<Session | null>(null);

/** Where tabs of the console tell each other that the account changed. */
const CHANNEL = 'roster-session';

/** Tells the console's other tabs to read the account again (this one refreshes on its own). */
export function announceAccountChange() {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage('changed');
  channel.close();
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [organizations, setOrganizations] = useState<MyOrganization[]>([]);
  const [invitations, setInvitations] = useState<MyInvitation[]>([]);
  const [transfers, setTransfers] = useState<OwnershipTransfer[]>([]);
  const [error, setError] = useState<unknown>(null);

  const refresh = useCallback(async () => {
    try {
      const me = await api.call('GET /v1/me');
      const [orgs, waiting, proposals] = await Promise.all([
        api.call('GET /v1/me/organizations'),
        // The header's count of what waits for an answer: nice to have, never a reason to fail.
        api.call('GET /v1/me/invitations').catch(() => null),
        api.call('GET /v1/me/ownership-transfers').catch(() => null),
      ]);
      setUser(me);
      setOrganizations(orgs.data);
      setInvitations(waiting?.data ?? []);
      setTransfers(proposals?.data ?? []);
      // What became of the person's requests to join (shown by useRequestNews): read again too.
      void loadRequestNews(me.id);
      setError(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setUser(null);
        setOrganizations([]);
        setInvitations([]);
        setTransfers([]);
        setError(null);
      } else {
        setError(err);
        setUser((u) => u ?? null);
      }
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.call('POST /v1/auth/sign-out');
    } catch (err) {
      // Already signed out is what was asked for.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setUser(null);
    setOrganizations([]);
    setInvitations([]);
    setTransfers([]);
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Another tab changed the account (verified its address, changed its email): read it again.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => void refresh();
    return () => channel.close();
  }, [refresh]);

  const value = useMemo(
    () => ({
      user,
      organizations,
      invitations,
      transfers,
      refresh,
      signOut,
      error,
    }),
    [user, organizations, invitations, transfers, refresh, signOut, error],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user, for pages the route table marks as needing one. */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser on a page that does not require a user');
  return user;
}
