import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COORDINATOR_MAIN = fileURLToPath(new URL('../../apps/coordinator/dist/main.js', import.meta.url));
export const AGENT_MAIN = fileURLToPath(new URL('../../agents/gpu-agent/dist/main.js', import.meta.url));
/** The fixtures beside the repository (CI clones the repo with shared/ next to it). */
export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
