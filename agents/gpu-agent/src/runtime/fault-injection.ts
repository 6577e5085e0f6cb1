/**
 * Fault injection for simulated agents only (`potluck-agent start --simulate FILE
 * --simulate-fault …`): a cheating or broken donor on demand, so tests and demos can watch
 * the coordinator's defences (telemetry bound, validation, replication) catch it.
 *
 *   inflate-tokens=K   report K × the tokens and FLOPs the run processed
 *   wrong-loss=D       report every loss (a fine-tune's held-out loss, an eval's loss) shifted by D
 *
 * Several faults are separated by commas. A real (non-simulated) agent refuses the option.
 */
export interface SimulatedFaults {
  inflateTokens?: number;
  wrongLoss?: number;
}

export const SIMULATE_FAULT_PATTERN = /^(inflate-tokens=\d+(\.\d+)?|wrong-loss=-?\d+(\.\d+)?)(,(inflate-tokens=\d+(\.\d+)?|wrong-loss=-?\d+(\.\d+)?))*$/;

export function parseSimulatedFaults(text: string | undefined): SimulatedFaults {
  const faults: SimulatedFaults = {};
  if (!text) return faults;
  for (const part of text.split(',')) {
    const [name, value] = part.split('=');
    if (name === 'inflate-tokens') faults.inflateTokens = Number(value);
    if (name === 'wrong-loss') faults.wrongLoss = Number(value);
  }
  return faults;
}

/** The result as the faulty agent reports it (numbers only; everything else as computed). */
export function withFaults<T extends object>(result: T, faults: SimulatedFaults): T {
  const out = { ...result } as Record<string, unknown>;
  if (faults.inflateTokens !== undefined) {
    for (const field of ['tokens', 'flops', 'formulaFlops']) {
      if (typeof out[field] === 'number') out[field] = Math.round((out[field]) * (faults.inflateTokens ?? 1));
    }
  }
  if (faults.wrongLoss !== undefined) {
    for (const field of ['heldOutLoss', 'loss']) {
      if (typeof out[field] === 'number') out[field] = (out[field]) + (faults.wrongLoss ?? 0);
    }
  }
  return out as T;
}
