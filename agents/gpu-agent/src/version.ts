/** Reported in hello; bumped with each release of the agent. */
export const AGENT_VERSION = '0.1.0';
