import type { ReactNode } from 'react';
import { LeaderboardPage } from '../pages/leaderboard/LeaderboardPage';
import { matchPath } from './router';

type Params = Record<string, string>;
export type Render = (params: Params) => ReactNode;

export interface RouteDef {
  pattern: string;
  signedIn?: boolean;
  /** The page's code: the home page is in the main bundle, every other page is its own chunk. */
  load: () => Promise<Render> | Render;
}

const p = (params: Params, name: string) => params[name] ?? '';

export const routes: RouteDef[] = [
  { pattern: '/', load: () => () => <LeaderboardPage /> },
  { pattern: '/teams/:slug', load: () => import('../pages/leaderboard/TeamPage').then((m) => (params: Params) => <m.TeamPage slug={p(params, 'slug')} />) },
  { pattern: '/contributors/:handle', load: () => import('../pages/profile/ProfilePage').then((m) => (params: Params) => <m.ProfilePage handle={p(params, 'handle')} />) },
  { pattern: '/fleet', load: () => import('../pages/fleet/FleetPage').then((m) => () => <m.FleetPage />) },
  { pattern: '/jobs', signedIn: true, load: () => import('../pages/jobs/JobsPage').then((m) => () => <m.JobsPage />) },
  { pattern: '/jobs/new', signedIn: true, load: () => import('../pages/jobs/SubmitJobPage').then((m) => () => <m.SubmitJobPage />) },
  { pattern: '/jobs/:id', signedIn: true, load: () => import('../pages/jobs/JobPage').then((m) => (params: Params) => <m.JobPage id={p(params, 'id')} />) },
  { pattern: '/datasets', load: () => import('../pages/datasets/DatasetsPage').then((m) => () => <m.DatasetsPage />) },
  { pattern: '/datasets/new', signedIn: true, load: () => import('../pages/datasets/DatasetNewPage').then((m) => () => <m.DatasetNewPage />) },
  { pattern: '/datasets/:id', load: () => import('../pages/datasets/DatasetPage').then((m) => (params: Params) => <m.DatasetPage id={p(params, 'id')} />) },
  { pattern: '/donate', load: () => import('../pages/donate/DonatePage').then((m) => () => <m.DonatePage />) },
  { pattern: '/sign-in', load: () => import('../pages/SignInPage').then((m) => () => <m.SignInPage />) },
  { pattern: '/admin/tokens', signedIn: true, load: () => import('../pages/admin/TokensPage').then((m) => () => <m.TokensPage />) },
  { pattern: '/admin/users', signedIn: true, load: () => import('../pages/admin/UsersPage').then((m) => () => <m.UsersPage />) },
  { pattern: '/admin/audit', signedIn: true, load: () => import('../pages/admin/AuditPage').then((m) => () => <m.AuditPage />) },
];

export const notFound: RouteDef = { pattern: '*', load: () => import('../pages/NotFoundPage').then((m) => () => <m.NotFoundPage />) };

/** The route for a path and its parameters (the not-found page when none matches). */
export function resolve(path: string): { route: RouteDef; params: Params } {
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return { route: notFound, params: {} };
}

/** A promise React's `use` can read synchronously once it settled. */
type Tracked = Promise<Render> & { status?: 'pending' | 'fulfilled' | 'rejected'; value?: Render; reason?: unknown };
const loading = new Map<RouteDef, Tracked>();

/**
 * Loads a page's code once. The promise carries its state the way React's `use` reads it,
 * so a page whose chunk is already here renders without suspending.
 */
export function loadRoute(route: RouteDef): Promise<Render> {
  let promise = loading.get(route);
  if (!promise) {
    const result = route.load();
    promise = (typeof result === 'function' ? Promise.resolve(result) : result) as Tracked;
    if (typeof result === 'function') {
      promise.status = 'fulfilled';
      promise.value = result;
    } else {
      promise.status = 'pending';
      void promise.then(
        (value) => Object.assign(promise as Tracked, { status: 'fulfilled', value }),
        (reason: unknown) => Object.assign(promise as Tracked, { status: 'rejected', reason }),
      );
    }
    loading.set(route, promise);
  }
  return promise;
}

/** Loads the code of the page at `path` (main.tsx awaits it before the first render). */
export async function preload(path: string): Promise<void> {
  await loadRoute(resolve(path).route).catch(() => undefined); // a failed chunk shows its error when rendered
}
