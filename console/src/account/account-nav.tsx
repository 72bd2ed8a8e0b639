/** The account area's two tabs, laid out like an organization's: Profile and Security. */
import { Link, useLocation } from '../router.tsx';

const TABS = [
  { to: '/account', label: 'Profile' },
  { to: '/account/security', label: 'Security' },
];

export function AccountNav() {
  const { pathname } = useLocation();
  return (
    <nav className="tabs" aria-label="Your account">
      <span className="tabs-org">Your account</span>
      <ul>
        {TABS.map((t) => (
          <li key={t.to}>
            <Link to={t.to} aria-current={pathname === t.to ? 'page' : undefined}>
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
