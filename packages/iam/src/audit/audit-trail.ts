import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type ActivityEvent } from '@webstream/contracts';
import { InjectMetrics } from '@webstream/service-kit';
import { TelemetryClient } from '@webstream/telemetry-client';
import { PinoLogger } from 'nestjs-pino';
import { type Registry } from 'prom-client';
import { type Actor } from '../auth/actor';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

export interface AuditChange {
  action: string;
  targetType: string;
  targetId: string;
  orgId: string;
  /** The record as the API shows it (never a secret or a hash); null where it did not exist. */
  before: unknown;
  after: unknown;
}

/**
 * Who changed what, sent to the metrics engine through the buffered telemetry client: a change never waits
 * for the engine, and nothing recorded is lost while it is down (memory, then the spool folder).
 */
@Injectable()
export class AuditTrail implements OnModuleInit, OnApplicationShutdown {
  private client?: TelemetryClient;

  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    @InjectMetrics() private readonly registry: Registry,
    private readonly logger: PinoLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.client = await TelemetryClient.openFor('iam', 'iam', this.settings.audit, {
      registry: this.registry,
      logger: this.logger,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
  }

  change(actor: Actor, change: AuditChange): void {
    this.send({
      kind: 'audit',
      at: new Date().toISOString(),
      actorId: actor.id,
      actorName: actor.kind === 'api-key' ? `api-key:${actor.name}` : actor.name,
      orgId: change.orgId,
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId,
      // JSON round trip: dates become strings and undefined fields vanish, as the engine will store them.
      before: change.before === null ? null : (JSON.parse(JSON.stringify(change.before)) as unknown),
      after: change.after === null ? null : (JSON.parse(JSON.stringify(change.after)) as unknown),
    });
  }

  activity(event: Omit<ActivityEvent, 'kind' | 'at'>): void {
    this.send({ kind: 'activity', at: new Date().toISOString(), ...event });
  }

  private send(event: Parameters<TelemetryClient['record']>[0]): void {
    if (this.client === undefined) throw new Error('AuditTrail used before the module was initialised');
    this.client.record(event);
  }
}
