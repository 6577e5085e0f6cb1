export * from './gpu.js';
export * from './health.js';
export * from './identity.js';
export * from './pagination.js';
export * from './problem.js';
export * from './version.js';
export * from './agent-events.js';
export * from './fleet.js';
