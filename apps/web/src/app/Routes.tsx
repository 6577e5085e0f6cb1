import { lazy, Suspense, type ReactNode } from 'react';
import { Loading } from '../components/status';
import { LeaderboardPage } from '../pages/leaderboard/LeaderboardPage';
import { matchPath, useRouter } from './router';
import { useSession } from './session';
import { RequireSignIn } from './RequireSignIn';

// The home page is in the main bundle; every other page loads on first visit.
const AuditPage = lazy(() => import('../pages/admin/AuditPage').then((m) => ({ default: m.AuditPage })));
const TokensPage = lazy(() => import('../pages/admin/TokensPage').then((m) => ({ default: m.TokensPage })));
const UsersPage = lazy(() => import('../pages/admin/UsersPage').then((m) => ({ default: m.UsersPage })));
const DatasetNewPage = lazy(() => import('../pages/datasets/DatasetNewPage').then((m) => ({ default: m.DatasetNewPage })));
const DatasetPage = lazy(() => import('../pages/datasets/DatasetPage').then((m) => ({ default: m.DatasetPage })));
const DatasetsPage = lazy(() => import('../pages/datasets/DatasetsPage').then((m) => ({ default: m.DatasetsPage })));
const DonatePage = lazy(() => import('../pages/donate/DonatePage').then((m) => ({ default: m.DonatePage })));
const FleetPage = lazy(() => import('../pages/fleet/FleetPage').then((m) => ({ default: m.FleetPage })));
const JobPage = lazy(() => import('../pages/jobs/JobPage').then((m) => ({ default: m.JobPage })));
const JobsPage = lazy(() => import('../pages/jobs/JobsPage').then((m) => ({ default: m.JobsPage })));
const SubmitJobPage = lazy(() => import('../pages/jobs/SubmitJobPage').then((m) => ({ default: m.SubmitJobPage })));
const ProfilePage = lazy(() => import('../pages/profile/ProfilePage').then((m) => ({ default: m.ProfilePage })));
const TeamPage = lazy(() => import('../pages/leaderboard/TeamPage').then((m) => ({ default: m.TeamPage })));
const SignInPage = lazy(() => import('../pages/SignInPage').then((m) => ({ default: m.SignInPage })));
const NotFoundPage = lazy(() => import('../pages/NotFoundPage').then((m) => ({ default: m.NotFoundPage })));

type Render = (params: Record<string, string>) => ReactNode;
const routes: [string, Render, { signedIn?: boolean }?][] = [
  ['/', () => <LeaderboardPage />],
  ['/teams/:slug', (p) => <TeamPage slug={p.slug ?? ''} />],
  ['/contributors/:handle', (p) => <ProfilePage handle={p.handle ?? ''} />],
  ['/fleet', () => <FleetPage />],
  ['/jobs', () => <JobsPage />, { signedIn: true }],
  ['/jobs/new', () => <SubmitJobPage />, { signedIn: true }],
  ['/jobs/:id', (p) => <JobPage id={p.id ?? ''} />, { signedIn: true }],
  ['/datasets', () => <DatasetsPage />],
  ['/datasets/new', () => <DatasetNewPage />, { signedIn: true }],
  ['/datasets/:id', (p) => <DatasetPage id={p.id ?? ''} />],
  ['/donate', () => <DonatePage />],
  ['/sign-in', () => <SignInPage />],
  ['/admin/tokens', () => <TokensPage />, { signedIn: true }],
  ['/admin/users', () => <UsersPage />, { signedIn: true }],
  ['/admin/audit', () => <AuditPage />, { signedIn: true }],
];

export function Routes() {
  const { location } = useRouter();
  const session = useSession();
  for (const [pattern, render, options] of routes) {
    const params = matchPath(pattern, location.path);
    if (!params) continue;
    if (options?.signedIn && !session.user) return <RequireSignIn checking={session.checking} />;
    return <Suspense fallback={<Loading what="the page" />}>{render(params)}</Suspense>;
  }
  return <NotFoundPage />;
}
