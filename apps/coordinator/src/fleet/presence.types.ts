import type { AgentMode, GpuStatus, Runtime } from '@potluck/protocol';

/** What an agent's hello told us about a device, kept with its presence. */
export interface PresenceDevice {
  index: number;
  deviceId: string;
  name: string;
  memoryTotalMiB: number | null;
  computeCapability: string | null;
  architecture: string | null;
  migDevices: number;
}

/** Set once per connection, from hello. */
export interface PresenceInfo {
  agentId: string;
  ownerId: string;
  ownerHandle: string;
  name: string;
  hostname: string;
  simulated: boolean;
  protocolVersion: number;
  driverVersion: string | null;
  cudaVersion: string | null;
  /** Runtimes the donor allows (from hello). */
  runtimes: Runtime[];
  /** The `process` commands the donor approved, by name (from hello; absent in presences stored before they were reported). */
  processCommands?: string[];
  devices: PresenceDevice[];
}

/** Changes with state reports. */
export interface PresenceState {
  mode: AgentMode;
  reason: string;
  gpus: GpuStatus[];
  drainEta: number | null;
}

export interface Presence {
  info: PresenceInfo;
  state: PresenceState;
  connected: boolean;
  /** Why the connection ended, when it did. */
  disconnectReason: string | null;
  socketId: string;
  runId: string;
  connectedAt: number;
  lastSeen: number;
}
