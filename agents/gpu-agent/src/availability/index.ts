/** Availability: each GPU's availability and the agent's mode on every tick (pure). */
export { decideAvailability } from './decide.js';
export { initialMemory, type AvailabilityMemory } from './memory.js';
export { insideSchedule } from './schedule.js';
export type { AvailabilityDecision, AvailabilityInput, DonorControls, GpuObservation, Pause } from './types.js';
