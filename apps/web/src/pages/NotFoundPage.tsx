import { Link } from '../app/router';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. Go to the <Link to="/">leaderboard</Link> or the <Link to="/fleet">fleet</Link>.
      </p>
    </section>
  );
}
