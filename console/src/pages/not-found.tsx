import { Link } from '../router.tsx';
import { Page } from '../ui.tsx';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <Link to="/">Go to your organizations</Link>.
      </p>
    </Page>
  );
}
