/**
 * The person's sessions on the Security page: device (from its user agent, in words), IP address,
 * when it was signed in and last used, how it was signed in; this device marked; sign one out, or
 * every other one.
 */
import { useId } from 'react';
import { api, formatDateTime, type SessionInfo } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { LoadError, Loading, OutcomeMessage, useOutcome } from '../ui.tsx';
import { deviceOf, signedInWith } from '../user-agent.ts';

export function SessionsSection() {
  const heading = useId();
  const { signOut } = useSession();
  const sessions = useLoad(() => api.call('GET /v1/me/sessions'), 'sessions');
  const { outcome, busy, act } = useOutcome(sessions.reload);
  const list = sessions.data?.data ?? [];
  const others = list.filter((s) => !s.current).length;

  const end = (s: SessionInfo) =>
    act(`${deviceOf(s.userAgent)} was not signed out.`, async () => {
      await api.call('DELETE /v1/me/sessions/{id}', { path: { id: s.id } });
      if (s.current) {
        await signOut().catch(() => {});
        navigate('/sign-in');
        return null;
      }
      return `${deviceOf(s.userAgent)} (${s.ip ?? 'unknown address'}) was signed out.`;
    });
  const endOthers = () =>
    act('The other sessions were not signed out.', async () => {
      const done = await api.call('POST /v1/me/sessions/revoke-others');
      return done.revoked === 0
        ? 'There was no other session to sign out.'
        : `Signed out everywhere else: ${done.revoked} ${done.revoked === 1 ? 'session' : 'sessions'} ended.`;
    });

  return (
    <section className="section" aria-labelledby={heading}>
      <div className="section-header">
        <h2 id={heading}>Sessions</h2>
        {others > 0 ? (
          <button type="button" className="button" onClick={endOthers} disabled={busy}>
            Sign out everywhere else
          </button>
        ) : null}
      </div>
      <p className="intro">
        Where your account is signed in. Sign out any you do not recognise, then change your password.
      </p>
      <OutcomeMessage outcome={outcome} />
      {sessions.error ? <LoadError error={sessions.error} retry={sessions.reload} /> : null}
      {sessions.loading && !sessions.data ? (
        <Loading label="Loading your sessions…" />
      ) : (
        <table className="table sessions">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">Signed in with</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}>
                <td data-label="Device">
                  <span title={s.userAgent ?? undefined}>{deviceOf(s.userAgent)}</span>
                  {s.current ? <span className="badge status-active">This device</span> : null}
                </td>
                <td data-label="IP address">
                  <span className="mono">{s.ip ?? '—'}</span>
                </td>
                <td data-label="Signed in">{formatDateTime(s.createdAt)}</td>
                <td data-label="Last active">{formatDateTime(s.lastUsedAt)}</td>
                <td data-label="Signed in with">{signedInWith(s.methods)}</td>
                <td className="actions" data-label="">
                  <button
                    type="button"
                    className="button small"
                    disabled={busy}
                    aria-label={
                      s.current
                        ? 'Sign out this device'
                        : `Sign out ${deviceOf(s.userAgent)} (${s.ip ?? 'unknown address'})`
                    }
                    onClick={() => end(s)}
                  >
                    Sign out
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
