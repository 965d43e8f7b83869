import { Injectable } from '@nestjs/common';
import {
  type ActivityEvent,
  type AuditEvent,
  type SampleEvent,
  type TelemetryBatch,
  type UsageEvent,
} from '@webstream/contracts';
import { type PoolClient } from 'pg';
import { IngestPool } from '../database/ingest-pool';

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
  constructor(private readonly pool: IngestPool) {}

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
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO "IngestBatch" ("idempotencyKey", "source", "itemCount") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [batch.idempotencyKey, batch.source, batch.events.length],
      );
      if (claimed.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      if (samples.length) await this.insertSamples(client, samples);
      if (activity.length) await this.insertActivity(client, activity);
      if (audit.length) await this.insertAudit(client, audit);
      if (usage.length) await this.recordUsage(client, usage);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async insertSamples(client: PoolClient, samples: SampleEvent[]): Promise<void> {
    await client.query(
      `INSERT INTO "MetricSample" ("metric", "value", "at", "node", "sessionId", "streamerGuid")
       SELECT * FROM unnest($1::text[], $2::float8[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])`,
      [
        samples.map((s) => s.metric),
        samples.map((s) => s.value),
        samples.map((s) => s.at),
        samples.map((s) => s.node ?? null),
        samples.map((s) => s.sessionId ?? null),
        samples.map((s) => s.streamerGuid ?? null),
      ],
    );
    // Only the newest sample per metric and scope can change LatestSample: a handful of rows per batch.
    // They are written in key order, so concurrent batches lock the rows they share in the same order
    // instead of deadlocking.
    const newest = new Map<
      string,
      { metric: string; scope: string; value: number; at: string; time: number }
    >();
    for (const sample of samples) {
      const scope = latestScope(sample);
      const key = `${sample.metric}\u0000${scope}`;
      const time = Date.parse(sample.at);
      const seen = newest.get(key);
      if (!seen || time >= seen.time)
        newest.set(key, { metric: sample.metric, scope, value: sample.value, at: sample.at, time });
    }
    const rows = [...newest.values()];
    await client.query(
      `INSERT INTO "LatestSample" ("metric", "scope", "value", "at")
       SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::timestamptz[]) AS t(metric, scope, value, at)
       ORDER BY metric, scope
       ON CONFLICT ("metric", "scope") DO UPDATE SET "value" = EXCLUDED."value", "at" = EXCLUDED."at"
       WHERE "LatestSample"."at" <= EXCLUDED."at"`,
      [rows.map((r) => r.metric), rows.map((r) => r.scope), rows.map((r) => r.value), rows.map((r) => r.at)],
    );
  }

  private async insertActivity(client: PoolClient, events: ActivityEvent[]): Promise<void> {
    const column = <K extends keyof ActivityEvent>(key: K) => events.map((e) => e[key] ?? null);
    await client.query(
      `INSERT INTO "ActivityEvent" ("type", "at", "userId", "username", "orgId", "sessionId", "workspaceId", "appId", "detail", "traceparent")
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])`,
      [
        column('type'),
        column('at'),
        column('userId'),
        column('username'),
        column('orgId'),
        column('sessionId'),
        column('workspaceId'),
        column('appId'),
        column('detail'),
        column('traceparent'),
      ],
    );
  }

  private async insertAudit(client: PoolClient, events: AuditEvent[]): Promise<void> {
    const column = <K extends keyof AuditEvent>(key: K) => events.map((e) => e[key] ?? null);
    await client.query(
      `INSERT INTO "AuditEvent" ("at", "actorId", "actorName", "orgId", "action", "targetType", "targetId", "before", "after", "traceparent")
       SELECT at, actor, name, org, action, ttype, tid, before::jsonb, after::jsonb, trace
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
         AS t(at, actor, name, org, action, ttype, tid, before, after, trace)`,
      [
        column('at'),
        column('actorId'),
        column('actorName'),
        column('orgId'),
        column('action'),
        column('targetType'),
        column('targetId'),
        events.map((e) => json(e.before)),
        events.map((e) => json(e.after)),
        column('traceparent'),
      ],
    );
  }

  /**
   * Starts and ends may arrive in any order, from different services: an end without a start records
   * the session with its end as a provisional start, which the start then moves back. Clocks disagree,
   * so an end is never kept before its start (nor a start after its end).
   */
  private async recordUsage(client: PoolClient, events: UsageEvent[]): Promise<void> {
    const starts = new Map<string, UsageEvent>();
    const ends = new Map<string, UsageEvent>();
    for (const event of events) {
      const isStart = event.type === 'session-start';
      const seen = isStart ? starts : ends;
      const earlier = seen.get(event.sessionId);
      const later = earlier ? Date.parse(event.at) > Date.parse(earlier.at) : true;
      // One row per session and kind: the earliest start, the latest end.
      if (!earlier || (isStart ? !later : later)) seen.set(event.sessionId, event);
    }
    for (const [rows, isStart] of [
      [[...starts.values()], true],
      [[...ends.values()], false],
    ] as const) {
      if (!rows.length) continue;
      const column = <K extends keyof UsageEvent>(key: K) => rows.map((e) => e[key] ?? null);
      await client.query(
        `INSERT INTO "UsageSession" ("sessionId", "userId", "orgId", "appId", "workspaceId", "node", "startedAt", "endedAt")
         SELECT sid, uid, org, app, ws, node, at, CASE WHEN $8::boolean THEN NULL ELSE at END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
           AS t(sid, uid, org, app, ws, node, at)
         ORDER BY sid
         ON CONFLICT ("sessionId") DO UPDATE SET
           "startedAt" = CASE WHEN $8::boolean
                         THEN LEAST("UsageSession"."startedAt", EXCLUDED."startedAt", COALESCE("UsageSession"."endedAt", 'infinity'))
                         ELSE "UsageSession"."startedAt" END,
           "endedAt" = CASE WHEN $8::boolean THEN "UsageSession"."endedAt"
                       ELSE GREATEST("UsageSession"."endedAt", EXCLUDED."endedAt", "UsageSession"."startedAt") END,
           "node" = COALESCE("UsageSession"."node", EXCLUDED."node")`,
        [
          column('sessionId'),
          column('userId'),
          column('orgId'),
          column('appId'),
          column('workspaceId'),
          column('node'),
          column('at'),
          isStart,
        ],
      );
    }
  }
}
