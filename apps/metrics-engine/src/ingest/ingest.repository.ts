import { Injectable } from '@nestjs/common';
import {
  type ActivityEvent,
  type AuditEvent,
  type SampleEvent,
  type TelemetryBatch,
  type UsageEvent,
} from '@webstream/contracts';
import { MetricsDatabase } from '../database/metrics-database';

type Transaction = Parameters<Parameters<MetricsDatabase['$transaction']>[0]>[0];

/** The scope a metric's newest value is kept under: its node, its session, or the platform. */
function latestScope(sample: SampleEvent): string {
  if (sample.metric.startsWith('node.')) return sample.node ?? '';
  if (sample.metric.startsWith('streamer.')) return sample.sessionId ?? sample.streamerGuid ?? '';
  return '';
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * Writes a batch in one transaction: the batch key first (a key seen before means the batch is already
 * stored), then each kind as one multi-row INSERT over unnest()ed arrays — one round trip per kind
 * however large the batch.
 */
@Injectable()
export class IngestRepository {
  constructor(private readonly db: MetricsDatabase) {}

  async store(batch: TelemetryBatch): Promise<boolean> {
    const samples: SampleEvent[] = [];
    const activity: ActivityEvent[] = [];
    const audit: AuditEvent[] = [];
    const usage: UsageEvent[] = [];
    for (const event of batch.events) {
      switch (event.kind) {
        case 'sample':
          samples.push(event);
          break;
        case 'activity':
          activity.push(event);
          break;
        case 'audit':
          audit.push(event);
          break;
        case 'usage':
          usage.push(event);
          break;
      }
    }
    return this.db.$transaction(
      async (tx) => {
        const claimed = await tx.$executeRaw`
          INSERT INTO "IngestBatch" ("idempotencyKey", "source", "itemCount")
          VALUES (${batch.idempotencyKey}, ${batch.source}, ${batch.events.length})
          ON CONFLICT DO NOTHING`;
        if (claimed === 0) return false;
        if (samples.length) await this.insertSamples(tx, samples);
        if (activity.length) await this.insertActivity(tx, activity);
        if (audit.length) await this.insertAudit(tx, audit);
        if (usage.length) await this.recordUsage(tx, usage);
        return true;
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }

  private async insertSamples(tx: Transaction, samples: SampleEvent[]): Promise<void> {
    const metrics = samples.map((s) => s.metric);
    const values = samples.map((s) => s.value);
    const ats = samples.map((s) => s.at);
    await tx.$executeRaw`
      INSERT INTO "MetricSample" ("metric", "value", "at", "node", "sessionId", "streamerGuid")
      SELECT * FROM unnest(
        ${metrics}::text[], ${values}::float8[], ${ats}::timestamptz[],
        ${samples.map((s) => s.node ?? null)}::text[], ${samples.map((s) => s.sessionId ?? null)}::text[],
        ${samples.map((s) => s.streamerGuid ?? null)}::text[])`;
    await tx.$executeRaw`
      INSERT INTO "LatestSample" ("metric", "scope", "value", "at")
      SELECT DISTINCT ON (metric, scope) metric, scope, value, at
      FROM unnest(${metrics}::text[], ${samples.map(latestScope)}::text[], ${values}::float8[], ${ats}::timestamptz[])
        AS t(metric, scope, value, at)
      ORDER BY metric, scope, at DESC
      ON CONFLICT ("metric", "scope") DO UPDATE SET "value" = EXCLUDED."value", "at" = EXCLUDED."at"
      WHERE "LatestSample"."at" <= EXCLUDED."at"`;
  }

  private async insertActivity(tx: Transaction, events: ActivityEvent[]): Promise<void> {
    const column = <K extends keyof ActivityEvent>(key: K) => events.map((e) => e[key] ?? null);
    await tx.$executeRaw`
      INSERT INTO "ActivityEvent" ("type", "at", "userId", "username", "orgId", "sessionId", "workspaceId", "appId", "detail")
      SELECT * FROM unnest(
        ${column('type')}::text[], ${column('at')}::timestamptz[], ${column('userId')}::text[],
        ${column('username')}::text[], ${column('orgId')}::text[], ${column('sessionId')}::text[],
        ${column('workspaceId')}::text[], ${column('appId')}::text[], ${column('detail')}::text[])`;
  }

  private async insertAudit(tx: Transaction, events: AuditEvent[]): Promise<void> {
    const column = <K extends keyof AuditEvent>(key: K) => events.map((e) => e[key] ?? null);
    await tx.$executeRaw`
      INSERT INTO "AuditEvent" ("at", "actorId", "actorName", "orgId", "action", "targetType", "targetId", "before", "after")
      SELECT at, actor, name, org, action, ttype, tid, before::jsonb, after::jsonb FROM unnest(
        ${column('at')}::timestamptz[], ${column('actorId')}::text[], ${column('actorName')}::text[],
        ${column('orgId')}::text[], ${column('action')}::text[], ${column('targetType')}::text[],
        ${column('targetId')}::text[], ${events.map((e) => json(e.before))}::text[],
        ${events.map((e) => json(e.after))}::text[])
        AS t(at, actor, name, org, action, ttype, tid, before, after)`;
  }

  /**
   * Starts and ends may arrive in any order, from different services: an end without a start records
   * the session with its end as a provisional start, which the start then moves back.
   */
  private async recordUsage(tx: Transaction, events: UsageEvent[]): Promise<void> {
    const starts = new Map<string, UsageEvent>();
    const ends = new Map<string, UsageEvent>();
    for (const event of events) {
      const seen = event.type === 'session-start' ? starts : ends;
      const earlier = seen.get(event.sessionId);
      const keep =
        !earlier ||
        (event.type === 'session-start'
          ? Date.parse(event.at) < Date.parse(earlier.at)
          : Date.parse(event.at) > Date.parse(earlier.at));
      if (keep) seen.set(event.sessionId, event);
    }
    for (const [rows, isStart] of [
      [[...starts.values()], true],
      [[...ends.values()], false],
    ] as const) {
      if (!rows.length) continue;
      const column = <K extends keyof UsageEvent>(key: K) => rows.map((e) => e[key] ?? null);
      const ats = column('at');
      await tx.$executeRaw`
        INSERT INTO "UsageSession" ("sessionId", "userId", "orgId", "appId", "workspaceId", "node", "startedAt", "endedAt")
        SELECT sid, uid, org, app, ws, node, at, CASE WHEN ${isStart} THEN NULL ELSE at END FROM unnest(
          ${column('sessionId')}::text[], ${column('userId')}::text[], ${column('orgId')}::text[],
          ${column('appId')}::text[], ${column('workspaceId')}::text[], ${column('node')}::text[],
          ${ats}::timestamptz[]) AS t(sid, uid, org, app, ws, node, at)
        ON CONFLICT ("sessionId") DO UPDATE SET
          "startedAt" = CASE WHEN ${isStart} THEN LEAST("UsageSession"."startedAt", EXCLUDED."startedAt") ELSE "UsageSession"."startedAt" END,
          "endedAt" = CASE WHEN ${isStart} THEN "UsageSession"."endedAt"
                      ELSE GREATEST(COALESCE("UsageSession"."endedAt", EXCLUDED."endedAt"), EXCLUDED."endedAt") END,
          "node" = COALESCE("UsageSession"."node", EXCLUDED."node")`;
    }
  }
}
