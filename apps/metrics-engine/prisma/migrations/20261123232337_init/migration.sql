-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "IngestBatch" (
    "idempotencyKey" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE INDEX "IngestBatch_receivedAt_idx" ON "IngestBatch"("receivedAt");
