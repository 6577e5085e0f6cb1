-- Dispatch reads only the jobs that wait or run and the attempts still open; these partial
-- indexes keep those reads proportional to what they return, not to the whole history.
-- (Partial indexes are not expressible in schema.prisma; they live here only.)

-- Candidates: each builder's waiting jobs in priority/age order (read per builder, LIMIT n).
CREATE INDEX "Job_queued_by_owner_idx" ON "Job" ("ownerId", "priority" DESC, "createdAt") WHERE "status" = 'QUEUED' AND "kind" <> 'PIPELINE';
-- Fairness: each builder's running jobs, counted per round.
CREATE INDEX "Job_running_by_owner_idx" ON "Job" ("ownerId") WHERE "status" = 'RUNNING' AND "kind" <> 'PIPELINE';
-- Whether an agent runs an attempt now (every round), and the sweep of expired leases.
CREATE INDEX "JobAttempt_open_by_agent_idx" ON "JobAttempt" ("agentId") WHERE "status" IN ('ASSIGNED', 'RUNNING');
CREATE INDEX "JobAttempt_open_by_lease_idx" ON "JobAttempt" ("leaseExpiresAt") WHERE "status" IN ('ASSIGNED', 'RUNNING');
