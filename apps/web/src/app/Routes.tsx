import type { ReactNode } from 'react';
import { AuditPage } from '../pages/admin/AuditPage';
import { TokensPage } from '../pages/admin/TokensPage';
import { UsersPage } from '../pages/admin/UsersPage';
import { DatasetNewPage } from '../pages/datasets/DatasetNewPage';
import { DatasetPage } from '../pages/datasets/DatasetPage';
import { DatasetsPage } from '../pages/datasets/DatasetsPage';
import { DonatePage } from '../pages/donate/DonatePage';
import { FleetPage } from '../pages/fleet/FleetPage';
import { JobPage } from '../pages/jobs/JobPage';
import { JobsPage } from '../pages/jobs/JobsPage';
import { SubmitJobPage } from '../pages/jobs/SubmitJobPage';
import { LeaderboardPage } from '../pages/leaderboard/LeaderboardPage';
import { ProfilePage } from '../pages/profile/ProfilePage';
import { TeamPage } from '../pages/leaderboard/TeamPage';
import { SignInPage } from '../pages/SignInPage';
import { NotFoundPage } from '../pages/NotFoundPage';
import { matchPath, useRouter } from './router';
import { useSession } from './session';
import { RequireSignIn } from './RequireSignIn';

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
    return <>{render(params)}</>;
  }
  return <NotFoundPage />;
}
