import { Injectable } from '@nestjs/common';

type Listener = (attemptId: string) => void;

/**
 * In-process notice that an attempt succeeded (its transaction committed). The work path
 * emits it; the credit flow listens. An event rather than a call keeps the work path free
 * of the credit services' dependencies (which reach back to jobs and dispatch).
 */
@Injectable()
export class AttemptOutcomes {
  private readonly listeners = new Set<Listener>();

  succeeded(attemptId: string): void {
    for (const listener of this.listeners) listener(attemptId);
  }

  subscribeSucceeded(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
