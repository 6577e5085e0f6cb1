-- Credits (issue 6): validation runs, daily stats snapshots, ledger indexes for the
-- board catch-up and job pages. The ledger table itself and its append-only trigger
-- come from the init migration.

-- A validation run: a coordinator-made job that checks an attempt's result (an eval that
-- reproduces a fine-tune's held-out loss, or a replica of an eval/dataset job). Round 1 is
-- the first check; round 2 settles a disagreement. One job per (attempt, round).
CREATE TABLE "CreditValidation" (
    "id" UUID NOT NULL,
    "subjectJobId" UUID NOT NULL,
    "subjectAttemptId" UUID NOT NULL,
    "validatorJobId" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "purpose" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CreditValidation_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "CreditValidation_validatorJobId_key" ON "CreditValidation"("validatorJobId");
CREATE UNIQUE INDEX "CreditValidation_subjectAttemptId_round_key" ON "CreditValidation"("subjectAttemptId", "round");
CREATE INDEX "CreditValidation_subjectJobId_idx" ON "CreditValidation"("subjectJobId");
ALTER TABLE "CreditValidation" ADD CONSTRAINT "CreditValidation_subjectJobId_fkey" FOREIGN KEY ("subjectJobId") REFERENCES "Job"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CreditValidation" ADD CONSTRAINT "CreditValidation_subjectAttemptId_fkey" FOREIGN KEY ("subjectAttemptId") REFERENCES "JobAttempt"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CreditValidation" ADD CONSTRAINT "CreditValidation_validatorJobId_fkey" FOREIGN KEY ("validatorJobId") REFERENCES "Job"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The public daily export (JSON lines, docs/credits.md), written once per closed UTC day.
CREATE TABLE "StatsSnapshot" (
    "day" DATE NOT NULL,
    "content" TEXT NOT NULL,
    "contributors" INTEGER NOT NULL,
    "teams" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StatsSnapshot_pkey" PRIMARY KEY ("day")
);

CREATE INDEX "CreditLedgerEntry_createdAt_idx" ON "CreditLedgerEntry"("createdAt");
CREATE INDEX "CreditLedgerEntry_jobId_idx" ON "CreditLedgerEntry"("jobId");
CREATE INDEX "CreditLedgerEntry_agentId_createdAt_idx" ON "CreditLedgerEntry"("agentId", "createdAt");
