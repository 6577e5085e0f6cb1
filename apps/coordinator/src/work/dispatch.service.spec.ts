import { describe, expect, it } from 'vitest';
import type { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import type { AppConfig } from '../config/config.js';
import type { PrismaService } from '../database/prisma.service.js';
import type { FleetEvents } from '../fleet/fleet-events.js';
import type { WhyNoJobService } from '../jobs/why-no-job.service.js';
import type { TransferService } from '../transfer/transfer.service.js';
import type { Candidate, DispatchRepository } from './dispatch.repository.js';
import { DispatchService } from './dispatch.service.js';
import type { PipelineService } from './pipeline.service.js';
import type { WorkService } from './work.service.js';

/** A dispatcher with one idle local agent, whose reads are recorded in order. */
function dispatcherWithLog() {
  const log: string[] = [];
  const waiting: Candidate[] = [];
  const repository = {
    agentStates: (ids: string[]) => (log.push('agent states'), Promise.resolve(new Map(ids.map((id) => [id, { trustLevel: 0, busy: false }])))),
    candidates: () => (log.push(`candidates (${waiting.length} waiting)`), Promise.resolve([...waiting])),
    claim: (picks: unknown[]) => (log.push('claim'), picks.length > 0 && waiting.splice(0), Promise.resolve([])), // another coordinator took it: the agent asks again and finds nothing
  } as unknown as DispatchRepository;
  const why = { capacities: (ids: string[]) => (log.push('presence'), Promise.resolve(ids.map(() => () => ({ status: 'online', trustLevel: 0, runtimes: ['builtin'], processCommands: [], driverVersion: null, cudaVersion: null, devices: [{ deviceId: 'GPU-0', memoryTotalMiB: 24_564, computeCapability: null, availability: 'available' }] })))) } as unknown as WhyNoJobService;
  const gateway = { localAgentIds: () => ['agent-1'], isLocal: () => true, why: () => undefined } as unknown as AgentsGateway;
  const service = new DispatchService({} as PrismaService, gateway, why, {} as TransferService, {} as WorkService, {} as FleetEvents, { POTLUCK_ATTEMPT_LEASE_MS: 60_000 } as AppConfig, {} as PipelineService, repository);
  return { service, log, waiting };
}

/** Lets every round finish: the stubs answer in microtasks, which all run before an immediate. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DispatchService.requestAll', () => {
  it('reads the agents while a new job is still being inserted, and the waiting jobs only after the insert settled', async () => {
    const { service, log, waiting } = dispatcherWithLog();
    let commit: () => void = () => undefined;
    const insert = new Promise<void>((resolve) => (commit = resolve));
    service.requestAll(insert);
    await settle();
    expect(log).toEqual(['agent states', 'presence']); // the job's row is not committed yet: no candidates read
    waiting.push({ id: 'job-1', ownerId: 'builder', kind: 'EVAL', requirements: { runtime: 'builtin' }, priority: 0, createdAt: new Date(), running: 0 });
    commit();
    await settle();
    expect(log.slice(0, 4)).toEqual(['agent states', 'presence', 'candidates (1 waiting)', 'claim']);
    expect(log.slice(4).sort()).toEqual(['agent states', 'candidates (0 waiting)', 'presence']); // the agent asks again after the lost claim
  });

  it('reads the waiting jobs even when the insert failed (nothing new among them)', async () => {
    const { service, log } = dispatcherWithLog();
    service.requestAll(Promise.reject(new Error('unique violation')));
    await settle();
    expect([...log].sort()).toEqual(['agent states', 'candidates (0 waiting)', 'presence']);
  });
});

describe('DispatchService.requestAll with a count of new jobs', () => {
  /** Twenty idle agents; only `fitting` ones have a GPU big enough. Records the agents each round reads. */
  function twentyAgents(fitting: (agentId: string) => boolean, local?: Set<string>) {
    const rounds: string[][] = [];
    const waiting: Candidate[] = [{ id: 'job-1', ownerId: 'builder', kind: 'EVAL', requirements: { runtime: 'builtin', minVramMiB: 40_000 }, priority: 0, createdAt: new Date(), running: 0 }];
    const claims: string[] = [];
    const agents = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
    const repository = {
      agentStates: (ids: string[]) => (rounds.push([...ids]), Promise.resolve(new Map(ids.map((id) => [id, { trustLevel: 0, busy: false }])))),
      candidates: () => Promise.resolve([...waiting]),
      claim: (picks: { jobId: string; agentId: string }[]) => (claims.push(...picks.map((pick) => pick.agentId)), picks.length > 0 && waiting.splice(0), Promise.resolve([])),
    } as unknown as DispatchRepository;
    const capacity = (memoryTotalMiB: number) => () => ({ status: 'online', trustLevel: 0, runtimes: ['builtin'], processCommands: [], driverVersion: null, cudaVersion: null, devices: [{ deviceId: 'GPU-0', memoryTotalMiB, computeCapability: null, availability: 'available' }] });
    const why = { capacities: (ids: string[]) => Promise.resolve(ids.map((id) => capacity(fitting(id) ? 81_920 : 24_564))) } as unknown as WhyNoJobService;
    const gateway = { localAgentIds: () => agents.filter((id) => !local || local.has(id)), isLocal: (id: string) => !local || local.has(id), why: () => undefined } as unknown as AgentsGateway;
    const service = new DispatchService({} as PrismaService, gateway, why, {} as TransferService, {} as WorkService, {} as FleetEvents, { POTLUCK_ATTEMPT_LEASE_MS: 60_000 } as AppConfig, {} as PipelineService, repository);
    return { service, rounds, claims };
  }

  it('asks a few agents about one new job, and no one else once one of them took it', async () => {
    const { service, rounds, claims } = twentyAgents(() => true);
    service.requestAll(Promise.resolve(), 1);
    await settle();
    expect(rounds[0]).toHaveLength(8);
    expect(claims).toEqual([rounds[0]?.[0]]);
    expect(rounds.flat()).toHaveLength(8 + 1); // then only the claiming agent again (the claim was lost in this stub), which finds nothing
  });

  it('asks the other agents when the first ones cannot take the job', async () => {
    const { service, rounds, claims } = twentyAgents((agentId) => agentId === 'agent-15');
    service.requestAll(Promise.resolve(), 1);
    await settle();
    expect(rounds[0]).toHaveLength(8);
    expect(rounds[0]).not.toContain('agent-15');
    expect(rounds[1]).toHaveLength(12);
    expect(claims).toEqual(['agent-15']);
  });

  it('does not ask an agent that left this process since it was set aside', async () => {
    const local = new Set(Array.from({ length: 20 }, (_, i) => `agent-${i}`));
    const { service, rounds } = twentyAgents(() => false, local); // the job fits nobody: the others are asked
    service.requestAll(Promise.resolve(), 1);
    local.delete('agent-15'); // set aside for later, then reconnected to another process
    await settle();
    expect(rounds[0]).toHaveLength(8);
    expect(rounds.flat()).not.toContain('agent-15');
    expect(rounds.flat()).toHaveLength(19);
  });
});

describe('DispatchService rounds after a lost claim or a reconnect', () => {
  it('leaves a job whose claim it just lost out of the next rounds (a claim elsewhere may still hold it)', async () => {
    const { service, rounds, claims } = twentyAgentsHoldingLock();
    service.requestAll(Promise.resolve(), 1);
    await settle();
    expect(claims).toEqual(['agent-0']); // lost: the row was locked elsewhere, the job still looks queued
    expect(rounds.length).toBe(2); // the agent asked again once, and did not pick the same job again
  });

});

/** Twenty agents; every claim is lost (another transaction holds the row) and the job stays waiting. */
function twentyAgentsHoldingLock() {
  const rounds: string[][] = [];
  const claims: string[] = [];
  const waiting: Candidate[] = [{ id: 'job-1', ownerId: 'builder', kind: 'EVAL', requirements: { runtime: 'builtin' }, priority: 0, createdAt: new Date(), running: 0 }];
  const repository = {
    agentStates: (ids: string[]) => (rounds.push([...ids]), Promise.resolve(new Map(ids.map((id) => [id, { trustLevel: 0, busy: false }])))),
    candidates: () => Promise.resolve([...waiting]),
    claim: (picks: { agentId: string }[]) => (claims.push(...picks.map((pick) => pick.agentId)), Promise.resolve([])),
  } as unknown as DispatchRepository;
  const why = { capacities: (ids: string[]) => Promise.resolve(ids.map(() => () => ({ status: 'online', trustLevel: 0, runtimes: ['builtin'], processCommands: [], driverVersion: null, cudaVersion: null, devices: [{ deviceId: 'GPU-0', memoryTotalMiB: 24_564, computeCapability: null, availability: 'available' }] }))) } as unknown as WhyNoJobService;
  const gateway = { localAgentIds: () => ['agent-0'], isLocal: () => true, why: () => undefined } as unknown as AgentsGateway;
  const service = new DispatchService({} as PrismaService, gateway, why, {} as TransferService, {} as WorkService, {} as FleetEvents, { POTLUCK_ATTEMPT_LEASE_MS: 60_000 } as AppConfig, {} as PipelineService, repository);
  return { service, rounds, claims };
}

describe('DispatchService with more agents than the candidates one round reads', () => {
  it('asks the agents left without a job again when more jobs may wait past the limit', async () => {
    const queue: Candidate[] = Array.from({ length: 150 }, (_, i) => ({ id: `job-${i}`, ownerId: 'builder', kind: 'EVAL', requirements: { runtime: 'builtin' }, priority: 0, createdAt: new Date(i), running: 0 }));
    const claimedBy = new Map<string, string>();
    const repository = {
      agentStates: (ids: string[]) => Promise.resolve(new Map(ids.map((id) => [id, { trustLevel: 0, busy: claimedBy.has(id) }]))),
      candidates: (limit: number) => Promise.resolve(queue.filter((job) => ![...claimedBy.values()].includes(job.id)).slice(0, limit)),
      claim: (picks: { jobId: string; agentId: string }[]) => {
        for (const pick of picks) claimedBy.set(pick.agentId, pick.jobId);
        return Promise.resolve(picks.map((pick) => ({ ...pick, attemptId: `attempt-${pick.jobId}`, attemptNo: 1, kind: 'EVAL' })));
      },
      versionArtifacts: () => Promise.resolve([]),
    } as unknown as DispatchRepository;
    // The assignments themselves are not the point here: each claimed job ends at once as unresolvable.
    const pipelines = { resolve: () => Promise.resolve({ ok: false, reason: 'not resolved in this test' }) } as unknown as PipelineService;
    const work = { endAttempt: () => Promise.resolve(true) } as unknown as WorkService;
    const events = { freed: () => undefined } as unknown as FleetEvents;
    const transfers = { issueMany: () => Promise.resolve([]) } as unknown as TransferService;
    const agents = Array.from({ length: 150 }, (_, i) => `agent-${i}`);
    const why = { capacities: (ids: string[]) => Promise.resolve(ids.map(() => () => ({ status: 'online', trustLevel: 0, runtimes: ['builtin'], processCommands: [], driverVersion: null, cudaVersion: null, devices: [{ deviceId: 'GPU-0', memoryTotalMiB: 24_564, computeCapability: null, availability: 'available' }] }))) } as unknown as WhyNoJobService;
    const gateway = { localAgentIds: () => agents, isLocal: () => true, why: () => undefined } as unknown as AgentsGateway;
    const service = new DispatchService({} as PrismaService, gateway, why, transfers, work, events, { POTLUCK_ATTEMPT_LEASE_MS: 60_000 } as AppConfig, pipelines, repository);
    service.requestAll(); // a sweep: every idle agent; a round reads at most 100 waiting jobs
    await settle();
    expect(claimedBy.size).toBe(150); // the 50 agents the first round could not serve got the other 50 jobs
  });
});
