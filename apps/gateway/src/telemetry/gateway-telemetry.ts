import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type HeartbeatRequest, type SampleMetric, type TelemetryEvent } from '@webstream/contracts';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { TelemetryClient } from '@webstream/telemetry-client';
import { PinoLogger } from 'nestjs-pino';
import { type Registry } from 'prom-client';
import { type SessionRecord } from '../sessions/session-record';

/**
 * What the gateway alone sees, sent to the metrics engine through the buffered telemetry client (memory, then
 * `${telemetry.spoolDir}/gateway`, so nothing is lost while the engine is down): each host's load from its
 * heartbeats, the licence's seats, and every session's launch and end. The engine's operations views and
 * concurrency reports are built from these.
 */
@Injectable()
export class GatewayTelemetry implements OnModuleInit, OnApplicationShutdown {
  private client?: TelemetryClient;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectMetrics() private readonly registry: Registry,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(GatewayTelemetry.name);
  }

  async onModuleInit(): Promise<void> {
    const { telemetry, metricsEngine } = this.config;
    if (metricsEngine.serviceToken === undefined) {
      this.logger.warn(
        'metricsEngine.serviceToken is not set: the gateway reports no host load, licence seats or session activity to the metrics engine',
      );
      return;
    }
    this.client = await TelemetryClient.openFor(
      'gateway',
      'gateway',
      { url: metricsEngine.url, serviceToken: metricsEngine.serviceToken, ...telemetry },
      { registry: this.registry, logger: this.logger },
    );
  }

  /** Sends what it can, spools the rest. */
  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
  }

  /** A host's load as its heartbeat gave it, under the host's serverUrl. */
  hostHeartbeat(heartbeat: HeartbeatRequest): void {
    const at = new Date().toISOString();
    const node = heartbeat.serverUrl;
    this.sample('node.cpu', heartbeat.cpuUsage, at, node);
    this.sample('node.memory', heartbeat.memoryUsage, at, node);
    this.sample('node.sessions', heartbeat.activeSessions, at, node);
  }

  licenceSeats(activeStreamers: number, capacity: number): void {
    const at = new Date().toISOString();
    this.sample('licence.active', activeStreamers, at);
    this.sample('licence.capacity', capacity, at);
  }

  sessionLaunched(session: SessionRecord): void {
    this.record({ kind: 'activity', type: 'launch', at: new Date().toISOString(), ...this.who(session) });
  }

  /** `reason` is the close reason the session ended with (session-ended, admin-disconnect, idle-timeout…). */
  sessionEnded(session: SessionRecord, reason: string): void {
    this.record({
      kind: 'activity',
      type: 'end',
      at: new Date().toISOString(),
      ...this.who(session),
      detail: reason,
    });
  }

  private who(session: SessionRecord) {
    return {
      userId: session.userId,
      username: session.username,
      orgId: session.orgId,
      sessionId: session.sessionId,
      workspaceId: session.workspaceId,
      appId: session.appId,
    };
  }

  private sample(metric: SampleMetric, value: number, at: string, node?: string): void {
    this.record({ kind: 'sample', metric, value, at, ...(node === undefined ? {} : { node }) });
  }

  private record(event: TelemetryEvent): void {
    this.client?.record(event);
  }
}
