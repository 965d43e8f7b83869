import {
  Injectable,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterRequest,
  type RegisterResponse,
  type UnregisterRequest,
  type UnregisterResponse,
} from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { GatewayTelemetry } from '../telemetry/gateway-telemetry';
import { type BackendHealth, BackendDirectory, type BackendView } from './backend-directory';
import { type BackendRecord, BackendStore, normalizeServerUrl } from './backend-store';
import { HealthMonitor } from './health-monitor';

/** How often each gateway sweeps silent backends and picks up those registered through other gateways. */
export const REGISTRY_SYNC_INTERVAL_MS = 1_000;

/**
 * The backend registry: registration, heartbeats and unregistration from session hosts, the sweep of hosts
 * whose heartbeats stopped, and the directory the session broker reads (the store's records with this
 * gateway's health view).
 */
@Injectable()
export class BackendRegistry
  extends BackendDirectory
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly heartbeatInterval: number;
  private readonly heartbeatTimeout: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private syncFailing = false;
  private stopped = false;

  constructor(
    private readonly store: BackendStore,
    private readonly monitor: HealthMonitor,
    @InjectConfig() config: WebstreamConfig,
    private readonly logger: PinoLogger,
    private readonly telemetry: GatewayTelemetry,
  ) {
    super();
    this.logger.setContext(BackendRegistry.name);
    // The response carries whole seconds; rounding down keeps the host inside heartbeatTimeout.
    this.heartbeatInterval = Math.max(1, Math.floor(config.gateway.backend.heartbeatInterval));
    this.heartbeatTimeout = config.gateway.backend.heartbeatTimeout;
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    const registration = { ...request, serverUrl: normalizeServerUrl(request.serverUrl) };
    const now = Date.now();
    const known = (await this.store.get(registration.serverUrl, now)) !== undefined;
    await this.store.register(registration, now);
    this.monitor.watch(registration.serverUrl);
    this.logger.info(
      {
        backend: registration.serverUrl,
        maxSessions: registration.maxSessions,
        instanceType: registration.instanceType,
        tags: registration.tags,
        version: registration.version,
        publicGatewayUrl: registration.publicGatewayUrl,
      },
      known ? 'backend registered again' : 'backend registered',
    );
    return { registered: true, serverUrl: registration.serverUrl, heartbeatInterval: this.heartbeatInterval };
  }

  async heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const heartbeat = { ...request, serverUrl: normalizeServerUrl(request.serverUrl) };
    if (!(await this.store.heartbeat(heartbeat, Date.now()))) {
      // The host re-registers on a 404: it was never registered, unregistered, or went silent too long.
      throw new NotFoundException(`${heartbeat.serverUrl} is not registered: register it again`);
    }
    this.monitor.watch(heartbeat.serverUrl);
    this.telemetry.hostHeartbeat(heartbeat);
    return { acknowledged: true };
  }

  async unregister(request: UnregisterRequest): Promise<UnregisterResponse> {
    const serverUrl = normalizeServerUrl(request.serverUrl);
    const success = await this.store.unregister(serverUrl);
    this.monitor.unwatch(serverUrl);
    this.logger.info({ backend: serverUrl, known: success }, 'backend unregistered');
    return { success };
  }

  async list(): Promise<BackendView[]> {
    return (await this.store.list(Date.now())).map((record) => this.view(record));
  }

  async get(serverUrl: string): Promise<BackendView | undefined> {
    const record = await this.store.get(normalizeServerUrl(serverUrl), Date.now());
    return record === undefined ? undefined : this.view(record);
  }

  async notePinned(serverUrl: string): Promise<void> {
    const normalized = normalizeServerUrl(serverUrl);
    if (!(await this.store.notePinned(normalized, Date.now()))) {
      this.logger.debug({ backend: normalized }, 'session pinned to a backend that is no longer registered');
    }
  }

  /** A backend this gateway does not watch is not in the registry (or not yet seen here): unreachable. */
  health(serverUrl: string): BackendHealth {
    return this.monitor.health(normalizeServerUrl(serverUrl)) ?? 'unreachable';
  }

  onApplicationBootstrap(): void {
    this.syncTimer = setInterval(() => void this.sync(), REGISTRY_SYNC_INTERVAL_MS);
    this.syncTimer.unref();
    void this.sync();
  }

  // Stops before the modules' shutdown hooks, so no sweep runs on a Redis connection that is closing.
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    await this.syncing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.onModuleDestroy();
  }

  /** Removes the silent backends, then watches exactly the live ones (some registered through other gateways). */
  sync(): Promise<void> {
    if (this.stopped || this.syncing !== undefined) return this.syncing ?? Promise.resolve();
    this.syncing = this.runSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    try {
      const now = Date.now();
      for (const serverUrl of await this.store.removeSilent(now)) {
        this.logger.warn(
          { backend: serverUrl, heartbeatTimeoutSeconds: this.heartbeatTimeout },
          'backend sent no heartbeat within gateway.backend.heartbeatTimeout; removed from the registry',
        );
        this.monitor.unwatch(serverUrl);
      }
      const live = await this.store.list(now);
      if (this.stopped) return;
      this.monitor.reconcile(live.map((record) => record.serverUrl));
      if (this.syncFailing) this.logger.info('backend registry readable again');
      this.syncFailing = false;
    } catch (error) {
      // Logged once per outage: the sweep runs every second.
      if (!this.syncFailing) {
        this.logger.warn({ err: error }, 'cannot read the backend registry; retrying every second');
      }
      this.syncFailing = true;
    }
  }

  private view(record: BackendRecord): BackendView {
    // A backend seen here first (registered through another gateway) is watched from now on.
    this.monitor.watch(record.serverUrl);
    return {
      serverUrl: record.serverUrl,
      maxSessions: record.maxSessions,
      activeSessions: record.activeSessions,
      pendingSessions: record.pendingSessions,
      instanceType: record.instanceType,
      tags: [...record.tags],
      capabilities: [...record.capabilities],
      status: record.status,
      health: this.monitor.health(record.serverUrl) ?? 'unknown',
      ec2InstanceId: record.ec2InstanceId,
      version: record.version,
      ...(record.publicGatewayUrl === undefined ? {} : { publicGatewayUrl: record.publicGatewayUrl }),
      cpuUsage: record.cpuUsage,
      memoryUsage: record.memoryUsage,
      registeredAt: new Date(record.registeredAt).toISOString(),
      lastSeenAt: new Date(record.lastSeenAt).toISOString(),
    };
  }
}
