/** Simulation: plausible live telemetry for a recorded machine without a GPU (pure, seeded). */
export { initialSimulatorState, type SimulatorState } from './state.js';
export { simulateTick } from './tick.js';
