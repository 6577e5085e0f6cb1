import { z } from 'zod';

export const DependencyCheckSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative(),
  error: z.string().optional(),
});

export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z.object({
    postgres: DependencyCheckSchema,
    redis: DependencyCheckSchema,
    artifacts: DependencyCheckSchema,
  }),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
