import { Component, Suspense, use, type ReactNode } from 'react';
import { ErrorMessage, Loading } from '../components/status';
import { RequireSignIn } from './RequireSignIn';
import { loadRoute, resolve } from './route-table';
import { useRouter } from './router';
import { useSession } from './session';

/**
 * Renders the page for the current path. Page code is loaded on first visit; the first
 * page's code is loaded before the first render (main.tsx), and navigations are
 * transitions (router.tsx), so the old page stays until the new one is ready.
 */
export function Routes() {
  const { location } = useRouter();
  const session = useSession();
  const { route, params } = resolve(location.path);
  if (route.signedIn && !session.user) return <RequireSignIn checking={session.checking} />;
  return (
    <PageErrorBoundary key={route.pattern}>
      <Suspense fallback={<Loading what="the page" />}>
        <Page code={loadRoute(route)} params={params} />
      </Suspense>
    </PageErrorBoundary>
  );
}

/** Suspends (inside the boundary) until the page's code is here; at once when it already is. */
function Page({ code, params }: { code: Promise<(params: Record<string, string>) => ReactNode>; params: Record<string, string> }) {
  const render = use(code);
  return <>{render(params)}</>;
}

/** A page whose code failed to load (or that threw while rendering) says so instead of going blank. */
class PageErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    if (this.state.error !== null) return <ErrorMessage error={new Error('This page could not be shown. Reload to try again (a new version of the dashboard may have been deployed).')} retry={() => window.location.reload()} />;
    return this.props.children;
  }
}
