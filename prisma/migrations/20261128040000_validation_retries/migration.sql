-- Credits: a validation run whose job failed or was cancelled is replaced by another job for
-- the same round (retry 1, 2, …), so its subject does not wait forever.
ALTER TABLE "CreditValidation" ADD COLUMN "retry" INTEGER NOT NULL DEFAULT 0;
DROP INDEX "CreditValidation_subjectAttemptId_round_key";
CREATE UNIQUE INDEX "CreditValidation_subjectAttemptId_round_retry_key" ON "CreditValidation"("subjectAttemptId", "round", "retry");
