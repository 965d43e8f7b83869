import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type UsageEvent, type WorkspaceContract } from '@webstream/contracts';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { TelemetryClient, type TelemetryClientOptions } from '@webstream/telemetry-client';
import { PinoLogger } from 'nestjs-pino';
import { InjectMetricsServiceToken } from '../host/session-host-options';

/**
 * Session start and end, sent to the metrics engine (which meters minutes from them) through the buffered
 * telemetry client: a session never waits for the engine, and nothing is lost while it is down (memory, then
 * `${telemetry.spoolDir}/session-host`). The session supervisor closes it once its last session has ended.
 */
@Injectable()
export class UsageReporter implements OnModuleInit {
  private client?: TelemetryClient;
  private readonly node: string;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectMetricsServiceToken() private readonly serviceToken: string,
    @InjectMetrics() private readonly registry: TelemetryClientOptions['registry'],
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(UsageReporter.name);
    this.node = config.sessionHost.serverUrl;
  }

  async onModuleInit(): Promise<void> {
    const { telemetry, metricsEngine } = this.config;
    this.client = await TelemetryClient.openFor(
      'session-host',
      'session-host',
      { url: metricsEngine.url, serviceToken: this.serviceToken, ...telemetry },
      { registry: this.registry, logger: this.logger },
    );
  }

  sessionStarted(sessionId: string, contract: WorkspaceContract, at: Date): void {
    this.record('session-start', sessionId, contract, at);
  }

  sessionEnded(sessionId: string, contract: WorkspaceContract, at: Date): void {
    this.record('session-end', sessionId, contract, at);
  }

  /** Sends what it can, spools the rest; idempotent, never rejects. */
  async close(): Promise<void> {
    await this.client?.close();
  }

  private record(type: UsageEvent['type'], sessionId: string, contract: WorkspaceContract, at: Date): void {
    if (this.client === undefined) throw new Error('UsageReporter used before the module was initialised');
    this.client.record({
      kind: 'usage',
      type,
      at: at.toISOString(),
      sessionId,
      userId: contract.userId,
      orgId: contract.orgId,
      appId: contract.appId,
      workspaceId: contract.workspaceId,
      node: this.node,
    });
  }
}
