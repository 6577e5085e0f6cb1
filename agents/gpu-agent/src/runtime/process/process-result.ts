import { ProcessDatasetMetricsSchema, ProcessEvalMetricsSchema, ProcessFineTuneMetricsSchema, type JobAssignment, type JobResult, type ProcessResultEvent } from '@potluck/protocol';
import type { z } from 'zod';
import { RunFailure } from '../builtin-runner.js';

/** The uploaded output file the result event named. */
export interface StoredOutput {
  sha256: string;
  bytes: number;
}

function metricsOf<T extends z.ZodType>(schema: T, event: ProcessResultEvent, kind: string): z.infer<T> {
  const parsed = schema.safeParse(event.metrics);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || 'metrics'}: ${issue.message}`);
  throw new RunFailure('INVALID_RESULT', `the command's ${kind} metrics do not match the contract (${problems.join('; ')})`, true);
}

/**
 * A process command's `result` event as the protocol's result of the job's kind, the same
 * shape the builtin runtime reports: fine-tune (the output is the adapter), eval (the eval
 * report), dataset job (the new JSONL).
 */
export function jobResultOf(assignment: Pick<JobAssignment, 'spec' | 'adapter'>, event: ProcessResultEvent, output: StoredOutput, durationMs: number): JobResult {
  const { spec } = assignment;
  switch (spec.kind) {
    case 'fine-tune': {
      const m = metricsOf(ProcessFineTuneMetricsSchema, event, spec.kind);
      return {
        kind: 'fine-tune',
        adapterSha256: output.sha256,
        adapterBytes: output.bytes,
        steps: m.steps,
        tokens: m.tokens,
        flops: m.flops,
        formulaFlops: m.formulaFlops ?? m.flops,
        trainLossFirst: m.trainLossFirst,
        trainLossLast: m.trainLossLast,
        heldOutLoss: m.heldOutLoss,
        baseHeldOutLoss: m.baseHeldOutLoss,
        uniformLoss: m.uniformLoss,
        durationMs,
      };
    }
    case 'eval': {
      const m = metricsOf(ProcessEvalMetricsSchema, event, spec.kind);
      return {
        kind: 'eval',
        split: spec.split,
        adapterSha256: assignment.adapter?.sha256 ?? null,
        loss: m.loss,
        perplexity: m.perplexity ?? Math.exp(m.loss),
        uniformLoss: m.uniformLoss,
        tokenAccuracy: m.tokenAccuracy,
        rows: m.rows,
        tokens: m.tokens,
        flops: m.flops,
        formulaFlops: m.formulaFlops ?? m.flops,
        reportSha256: output.sha256,
        reportBytes: output.bytes,
        durationMs,
      };
    }
    case 'dataset': {
      const m = metricsOf(ProcessDatasetMetricsSchema, event, spec.kind);
      return { kind: 'dataset', outputSha256: output.sha256, outputBytes: output.bytes, rowsIn: m.rowsIn, rowsOut: m.rowsOut, dropped: m.dropped, reasons: m.reasons, durationMs };
    }
  }
}
