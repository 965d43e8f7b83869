-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "IngestBatch" (
    "idempotencyKey" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateTable
CREATE TABLE "MetricSample" (
    "id" BIGSERIAL NOT NULL,
    "metric" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "node" TEXT,
    "sessionId" TEXT,
    "streamerGuid" TEXT,

    CONSTRAINT "MetricSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SampleHourly" (
    "metric" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SampleHourly_pkey" PRIMARY KEY ("metric","node","hour")
);

-- CreateTable
CREATE TABLE "LatestSample" (
    "metric" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LatestSample_pkey" PRIMARY KEY ("metric","scope")
);

-- CreateTable
CREATE TABLE "ActivityEvent" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "userId" TEXT,
    "username" TEXT,
    "orgId" TEXT,
    "sessionId" TEXT,
    "workspaceId" TEXT,
    "appId" TEXT,
    "detail" TEXT,

    CONSTRAINT "ActivityEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorName" TEXT,
    "orgId" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageSession" (
    "sessionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "node" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "UsageSession_pkey" PRIMARY KEY ("sessionId")
);

-- CreateIndex
CREATE INDEX "IngestBatch_receivedAt_idx" ON "IngestBatch"("receivedAt");

-- CreateIndex
CREATE INDEX "MetricSample_at_idx" ON "MetricSample" USING BRIN ("at");

-- CreateIndex
CREATE INDEX "ActivityEvent_at_idx" ON "ActivityEvent" USING BRIN ("at");

-- CreateIndex
CREATE INDEX "ActivityEvent_userId_at_idx" ON "ActivityEvent"("userId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_at_id_idx" ON "AuditEvent"("at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_orgId_at_idx" ON "AuditEvent"("orgId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_at_idx" ON "AuditEvent"("actorId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "AuditEvent"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "UsageSession_startedAt_idx" ON "UsageSession"("startedAt");

-- CreateIndex
CREATE INDEX "UsageSession_endedAt_idx" ON "UsageSession"("endedAt");

-- The audit log is append-only: no statement may change a recorded event. (Prisma does not model
-- triggers, so this lives in the migration only.)
CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
