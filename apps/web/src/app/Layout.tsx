import { useEffect, useRef, type ReactNode } from 'react';
import { Link, useRouter } from './router';
import { useSession } from './session';

const links: { to: string; label: string; when?: 'signed-in' | 'admin' }[] = [
  { to: '/', label: 'Leaderboard' },
  { to: '/fleet', label: 'Fleet' },
  { to: '/jobs', label: 'Jobs', when: 'signed-in' },
  { to: '/datasets', label: 'Datasets' },
  { to: '/donate', label: 'Donate' },
  { to: '/admin/tokens', label: 'Keys & tokens', when: 'signed-in' },
  { to: '/admin/users', label: 'Users', when: 'admin' },
  { to: '/admin/audit', label: 'Audit log', when: 'admin' },
];

function isActive(to: string, path: string): boolean {
  return to === '/' ? path === '/' || path.startsWith('/teams') : path === to || path.startsWith(`${to}/`);
}

/** Header with navigation and the session, a skip link, and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { location } = useRouter();
  const session = useSession();
  const main = useRef<HTMLElement>(null);
  // Moves focus to the new page's content after client-side navigation, for keyboard and screen-reader users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.path]);

  const visible = links.filter((link) => !link.when || (link.when === 'signed-in' ? session.user : session.hasRole('ADMIN')));
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Potluck
        </Link>
        <nav aria-label="Main">
          <ul>
            {visible.map((link) => (
              <li key={link.to}>
                <Link to={link.to} aria-current={isActive(link.to, location.path) ? 'page' : undefined}>
                  {link.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="session">
          {session.user ? (
            <>
              <Link to={`/contributors/${encodeURIComponent(session.user.handle)}`} className="me">
                {session.user.handle}
              </Link>
              <button type="button" onClick={session.signOut}>
                Sign out
              </button>
            </>
          ) : session.checking ? (
            <span>Checking your key…</span>
          ) : (
            <Link to={`/sign-in?next=${encodeURIComponent(location.path)}`}>Sign in</Link>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Potluck — a community GPU pool for open fine-tuning. <a href="/api/docs">API documentation</a>
        </p>
      </footer>
    </>
  );
}
