-- A pipeline step's position in its pipeline (null for standalone jobs): steps run in this order.
ALTER TABLE "Job" ADD COLUMN "stepIndex" INTEGER;
CREATE UNIQUE INDEX "Job_parentJobId_stepIndex_key" ON "Job"("parentJobId", "stepIndex");
