import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type SampleMetric, type StreamerLaunch, streamerSpoolFolder } from '@webstream/contracts';
import { InjectConfig, InjectMetrics, requiredSetting } from '@webstream/service-kit';
import { TelemetryClient } from '@webstream/telemetry-client';
import { PinoLogger } from 'nestjs-pino';
import { Counter, type Registry } from 'prom-client';
import { InjectStreamerLaunch } from '../session/streamer-launch';

/**
 * What the session's streaming does, as Prometheus counters on /metrics and, every telemetryInterval, as
 * samples (fps, bandwidth, frame latency, input events) sent to the metrics engine through the buffered
 * client — with the audit events of policy refusals.
 */
@Injectable()
export class StreamerTelemetry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private client?: TelemetryClient;
  private timer?: NodeJS.Timeout;
  private window = { frames: 0, bytes: 0, inputs: 0, latencies: [] as number[], since: Date.now() };
  private readonly framesSent: Counter;
  private readonly framesDropped: Counter;
  private readonly bytesSent: Counter<'channel'>;
  private readonly inputEvents: Counter<'outcome'>;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    @InjectMetrics() private readonly registry: Registry,
    private readonly logger: PinoLogger,
  ) {
    const registers = [registry];
    this.framesSent = new Counter({
      name: 'streamer_frames_sent_total',
      help: 'Frames written to clients (one per client)',
      registers,
    });
    this.framesDropped = new Counter({
      name: 'streamer_frames_dropped_total',
      help: 'Frames skipped for a client whose socket was still full',
      registers,
    });
    this.bytesSent = new Counter({
      name: 'streamer_bytes_sent_total',
      help: 'Bytes of media written to clients',
      labelNames: ['channel'],
      registers,
    });
    this.inputEvents = new Counter({
      name: 'streamer_input_events_total',
      help: 'Input messages from clients, injected or refused by the policy',
      labelNames: ['outcome'],
      registers,
    });
  }

  async onModuleInit(): Promise<void> {
    // One spool per session: a streamer is one process among many on its host.
    const serviceToken = requiredSetting(
      this.config.metricsEngine.serviceToken,
      'metricsEngine.serviceToken',
      'the streamer reports its figures and policy refusals with it',
    );
    this.client = await TelemetryClient.openFor(
      'streamer-agent',
      streamerSpoolFolder(this.launch.sessionId),
      { url: this.config.metricsEngine.url, serviceToken, ...this.config.telemetry },
      { registry: this.registry, logger: this.logger },
    );
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sample(), this.config.streamer.telemetryInterval * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.sample();
    await this.client?.close();
  }

  /** One frame written to one client; `firstCopy` for the first client of a frame (what fps counts). */
  frameSent(bytes: number, latencyMs: number, firstCopy: boolean): void {
    this.framesSent.inc();
    this.bytesSent.inc({ channel: 'capture' }, bytes);
    if (firstCopy) this.window.frames += 1;
    this.window.bytes += bytes;
    this.window.latencies.push(latencyMs);
  }

  frameDropped(): void {
    this.framesDropped.inc();
  }

  audioSent(bytes: number): void {
    this.bytesSent.inc({ channel: 'audio' }, bytes);
    this.window.bytes += bytes;
  }

  input(outcome: 'injected' | 'refused'): void {
    this.inputEvents.inc({ outcome });
    if (outcome === 'injected') this.window.inputs += 1;
  }

  /** A policy refusal, as an audit event (the user is told separately). */
  refusal(action: string, detail: Record<string, unknown>): void {
    const { contract, sessionId } = this.launch;
    this.client?.record({
      kind: 'audit',
      at: new Date().toISOString(),
      actorId: contract.userId,
      actorName: contract.username,
      orgId: contract.orgId,
      action,
      targetType: 'session',
      targetId: sessionId,
      before: null,
      after: { workspaceId: contract.workspaceId, appId: contract.appId, ...detail },
    });
  }

  private sample(): void {
    const now = Date.now();
    const seconds = Math.max((now - this.window.since) / 1000, 0.001);
    const { frames, bytes, inputs, latencies } = this.window;
    this.window = { frames: 0, bytes: 0, inputs: 0, latencies: [], since: now };
    const at = new Date(now).toISOString();
    const { sessionId, streamerGuid } = this.launch;
    const record = (metric: SampleMetric, value: number): void =>
      this.client?.record({ kind: 'sample', metric, value, at, sessionId, streamerGuid });
    record('streamer.fps', frames / seconds);
    record('streamer.bandwidth', bytes / seconds);
    record('streamer.input', inputs / seconds);
    if (latencies.length > 0) record('streamer.latency', median(latencies));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
