import type { ReactNode } from 'react';
import type { AsyncState } from '../app/use-async';
import { describeError } from '../lib/errors';

export function Loading({ what }: { what: string }) {
  return (
    <p className="status" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="status status-error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status status-empty">{children}</p>;
}

/** Shows loading and error states in words, and the content once there is data. */
export function AsyncBlock<T>({ state, what, children }: { state: AsyncState<T> & { reload: () => void }; what: string; children: (data: T) => ReactNode }) {
  if (state.data !== null) {
    return (
      <>
        {state.status === 'error' && <ErrorMessage error={state.error} retry={state.reload} />}
        {children(state.data)}
      </>
    );
  }
  if (state.status === 'error') return <ErrorMessage error={state.error} retry={state.reload} />;
  return <Loading what={what} />;
}
