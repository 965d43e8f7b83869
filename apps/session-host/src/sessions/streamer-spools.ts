import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { STREAMER_SPOOL_PREFIX, streamerSpoolFolder } from '@webstream/contracts';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { REJECTED_DIR, TelemetryClient, type TelemetryClientOptions } from '@webstream/telemetry-client';
import { PinoLogger } from 'nestjs-pino';
import { InjectMetricsServiceToken } from '../host/session-host-options';

/** How long a left-over spool is given to reach the engine before what remains waits for the next try. */
const SEND_WITHIN_MS = 30_000;
const POLL_MS = 200;

/**
 * What a streamer recorded but could not send before it ended (the engine was down, or the streamer was killed)
 * stays in its spool folder. The host sends it on the streamer's behalf once the streamer is gone, and at
 * start-up for the folders of streamers an earlier run of the host left, then removes the folder; whatever the
 * engine does not take in time stays on disk for the next start.
 */
@Injectable()
export class StreamerSpools implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sending = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectMetricsServiceToken() private readonly serviceToken: string,
    @InjectMetrics() private readonly registry: TelemetryClientOptions['registry'],
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(StreamerSpools.name);
  }

  /** Every streamer spool an earlier run left: at start-up no streamer of this host is running. */
  async onApplicationBootstrap(): Promise<void> {
    const entries = await readdir(this.config.telemetry.spoolDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name.startsWith(STREAMER_SPOOL_PREFIX)) this.send(entry.name);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.sending.values());
  }

  /** The session's streamer has exited: what it left is sent in the background. */
  streamerGone(sessionId: string): void {
    this.send(streamerSpoolFolder(sessionId));
  }

  private send(folder: string): void {
    if (this.sending.has(folder)) return;
    const sending = this.drain(folder).finally(() => this.sending.delete(folder));
    this.sending.set(folder, sending);
  }

  private async drain(folder: string): Promise<void> {
    const dir = join(this.config.telemetry.spoolDir, folder);
    if (!(await spoolHolds(dir))) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const { metricsEngine, telemetry } = this.config;
    const client = await TelemetryClient.openFor(
      'streamer-agent',
      folder,
      { url: metricsEngine.url, serviceToken: this.serviceToken, ...telemetry },
      { registry: this.registry, logger: this.logger },
    );
    const left = client.stats().diskBatches;
    const deadline = Date.now() + SEND_WITHIN_MS;
    while (!this.stopped && client.stats().diskBatches > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await client.close();
    const { diskBatches, sentEvents } = client.stats();
    if (diskBatches === 0 && !(await spoolHolds(dir))) {
      await rm(dir, { recursive: true, force: true });
      this.logger.info(
        { folder, batches: left, events: sentEvents },
        'sent what a streamer left in its spool',
      );
    } else {
      this.logger.warn(
        { folder, batchesLeft: diskBatches, lastError: client.stats().lastError },
        'a streamer’s spool could not be sent yet: kept for the next start',
      );
    }
  }
}

/** Whether a spool folder still holds batches, or events the engine rejected (kept for a person to look at). */
async function spoolHolds(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.some((name) => name !== REJECTED_DIR)) return true;
  if (!entries.includes(REJECTED_DIR)) return false;
  return (await readdir(join(dir, REJECTED_DIR)).catch(() => [] as string[])).length > 0;
}
