import { Loading } from '../components/status';
import { Link, useRouter } from './router';

export function RequireSignIn({ checking }: { checking: boolean }) {
  const { location } = useRouter();
  if (checking) return <Loading what="your account" />;
  return (
    <section className="page">
      <h1>Sign in needed</h1>
      <p>
        This page shows your own work. <Link to={`/sign-in?next=${encodeURIComponent(location.path + (location.query.size ? `?${location.query.toString()}` : ''))}`}>Sign in with your API key</Link> to see it.
      </p>
    </section>
  );
}
