-- Per-minute telemetry roll-ups (issue 4).
CREATE TABLE "TelemetryMinute" (
    "agentId" UUID NOT NULL,
    "gpuUuid" TEXT NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "samples" INTEGER NOT NULL,
    "utilizationMin" DOUBLE PRECISION,
    "utilizationAvg" DOUBLE PRECISION,
    "utilizationMax" DOUBLE PRECISION,
    "temperatureMin" DOUBLE PRECISION,
    "temperatureAvg" DOUBLE PRECISION,
    "temperatureMax" DOUBLE PRECISION,
    "powerMin" DOUBLE PRECISION,
    "powerAvg" DOUBLE PRECISION,
    "powerMax" DOUBLE PRECISION,
    "memoryUsedMin" DOUBLE PRECISION,
    "memoryUsedAvg" DOUBLE PRECISION,
    "memoryUsedMax" DOUBLE PRECISION,
    "energyWh" DOUBLE PRECISION NOT NULL,
    "coveredSeconds" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "TelemetryMinute_pkey" PRIMARY KEY ("agentId", "gpuUuid", "minute")
);
CREATE INDEX "TelemetryMinute_minute_idx" ON "TelemetryMinute"("minute");
ALTER TABLE "TelemetryMinute" ADD CONSTRAINT "TelemetryMinute_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
