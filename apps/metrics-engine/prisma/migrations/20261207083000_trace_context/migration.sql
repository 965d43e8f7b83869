-- Activity and audit rows keep the trace of the request they came from, so an operator can go from a row to its
-- spans. Nullable: untraced requests and the rows written before this migration have none.
ALTER TABLE "ActivityEvent" ADD COLUMN "traceparent" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "traceparent" TEXT;
