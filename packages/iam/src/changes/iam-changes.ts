import { type OnApplicationBootstrap, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { poolConfig } from '@webstream/db';
import { PinoLogger } from 'nestjs-pino';
import { Client } from 'pg';
import { IamDatabase } from '../database/iam-database';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

const CHANNEL = 'iam_changed';
const RECONNECT_MS = 1_000;

/**
 * A generation number that moves whenever anything an entitlement depends on changes, here or in any other
 * IAM instance on the same database (PostgreSQL LISTEN/NOTIFY). Caches keyed on it never serve a stale answer
 * for longer than a notification takes to arrive.
 */
@Injectable()
export class IamChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private generationNumber = 0;
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    private readonly db: IamDatabase,
    private readonly logger: PinoLogger,
  ) {}

  get generation(): number {
    return this.generationNumber;
  }

  // After every onModuleInit: IamDatabase creates and migrates the database there.
  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  /** Call after a committed change; other instances hear of it through PostgreSQL. */
  async changed(): Promise<void> {
    this.generationNumber++;
    try {
      await this.db.$executeRaw`SELECT pg_notify(${CHANNEL}, '')`;
    } catch (error) {
      // The change is committed; the other instances' caches fall back to their time-to-live.
      this.logger.warn({ err: error }, 'could not notify other IAM instances of a change');
    }
  }

  /** False while the listener is down: other instances' changes may then go unheard. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  private async listen(): Promise<void> {
    const client = new Client(poolConfig(this.settings.databaseUrl));
    client.on('notification', () => this.generationNumber++);
    client.on('error', (error) => {
      if (this.listener !== client) return;
      this.logger.warn({ err: error }, 'IAM change listener lost its connection; reconnecting');
      this.listener = undefined;
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
    // Whatever changed while no one was listening is unknown: drop everything cached before now.
    this.generationNumber++;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.listen().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'IAM change listener could not reconnect; retrying');
        this.scheduleReconnect();
      });
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
