import { ProblemSchema, type Problem } from '@potluck/protocol';

/** An error answer of the API, with its problem+json body when it had one. */
export class PotluckApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    readonly rawBody: string,
  ) {
    super(problem ? `${status} ${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
    this.name = 'PotluckApiError';
  }

  get code(): Problem['code'] | null {
    return this.problem?.code ?? null;
  }

  static from(status: number, body: string): PotluckApiError {
    let problem: Problem | null = null;
    try {
      const parsed = ProblemSchema.safeParse(JSON.parse(body));
      problem = parsed.success ? parsed.data : null;
    } catch {
      problem = null; // not JSON: keep the raw body for the message
    }
    return new PotluckApiError(status, problem, body);
  }
}
