import { Injectable } from '@nestjs/common';
import {
  type ActiveSession,
  LIVE_NODE_WINDOW_SECONDS,
  type LiveNode,
  type OperationsLicenceResponse,
} from '@webstream/contracts';
import { MetricsDatabase } from '../database/metrics-database';

@Injectable()
export class OperationsRepository {
  constructor(private readonly db: MetricsDatabase) {}

  /** Nodes that reported within the live window, with their newest load figures. */
  async liveNodes(now: Date): Promise<LiveNode[]> {
    const rows = await this.db.$queryRaw<
      { node: string; cpu: number | null; memory: number | null; sessions: number | null; lastSeenAt: Date }[]
    >`
      SELECT scope AS node,
        max(value) FILTER (WHERE metric = 'node.cpu') AS cpu,
        max(value) FILTER (WHERE metric = 'node.memory') AS memory,
        max(value) FILTER (WHERE metric = 'node.sessions') AS sessions,
        max(at) AS "lastSeenAt"
      FROM "LatestSample"
      WHERE metric LIKE 'node.%' AND scope <> ''
      GROUP BY scope
      HAVING max(at) > ${now}::timestamptz - make_interval(secs => ${LIVE_NODE_WINDOW_SECONDS})
      ORDER BY scope`;
    return rows.map((row) => ({
      node: row.node,
      cpuUsage: row.cpu,
      memoryUsage: row.memory,
      activeSessions: row.sessions,
      lastSeenAt: row.lastSeenAt.toISOString(),
    }));
  }

  /** Sessions that started and have not ended, with their streamer's newest figures. */
  async activeSessions(): Promise<ActiveSession[]> {
    const rows = await this.db.$queryRaw<(Omit<ActiveSession, 'startedAt'> & { startedAt: Date })[]>`
      SELECT u."sessionId", u."userId", u."orgId", u."appId", u."workspaceId", u."node", u."startedAt",
        max(l.value) FILTER (WHERE l.metric = 'streamer.fps') AS fps,
        max(l.value) FILTER (WHERE l.metric = 'streamer.bandwidth') AS bandwidth,
        max(l.value) FILTER (WHERE l.metric = 'streamer.latency') AS latency
      FROM "UsageSession" u
      LEFT JOIN "LatestSample" l ON l.scope = u."sessionId" AND l.metric LIKE 'streamer.%'
      WHERE u."endedAt" IS NULL
      GROUP BY u."sessionId"
      ORDER BY u."startedAt"`;
    return rows.map((row) => ({ ...row, startedAt: row.startedAt.toISOString() }));
  }

  async licence(): Promise<OperationsLicenceResponse> {
    const rows = await this.db.$queryRaw<{ metric: string; value: number; at: Date }[]>`
      SELECT metric, value, at FROM "LatestSample" WHERE metric IN ('licence.active', 'licence.capacity') AND scope = ''`;
    const active = rows.find((row) => row.metric === 'licence.active');
    const capacity = rows.find((row) => row.metric === 'licence.capacity');
    const newest = rows.map((row) => row.at).sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      activeStreamers: active?.value ?? null,
      licensedSessions: capacity?.value ?? null,
      reportedAt: newest?.toISOString() ?? null,
    };
  }
}
