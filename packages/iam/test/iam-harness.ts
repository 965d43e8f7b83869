import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import { type TelemetryBatch, type TelemetryEvent, type TokenResponse } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { IamModule } from '../src/iam.module';
import { call } from '@webstream/testing';

/** metrics.bearerToken of the harness's IAM: what a scrape presents. */
export const METRICS_TOKEN = 'm'.repeat(32);

/** Stands in for the metrics engine's ingest endpoint and keeps every event it was sent. */
export class IngestRecorder {
  readonly events: TelemetryEvent[] = [];
  private server?: Server;
  url = '';

  /** On a free port, or on `port` again after stop(). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const batch = JSON.parse(body) as TelemetryBatch;
        this.events.push(...batch.events);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ stored: true, events: batch.events.length }));
      });
    });
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }

  async waitFor<T extends TelemetryEvent>(
    match: (event: TelemetryEvent) => event is T,
    timeoutMs = 5_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise((done) => setTimeout(done, 25));
    }
  }
}

export interface IamInstance {
  service: TestService;
  url: string;
  config: WebstreamConfig;
}

export interface IamFixture {
  database: TestDatabase;
  recorder: IngestRecorder;
  signingKey: string;
  admin: { username: string; password: string };
  /** A first instance, started by startIamFixture. */
  iam: IamInstance;
  /** Another instance on the same database (another gateway, say). */
  startInstance(overrides?: Record<string, unknown>): Promise<IamInstance>;
  stop(): Promise<void>;
}

export async function startIamFixture(
  prefix: string,
  accessOverrides: Record<string, unknown> = {},
): Promise<IamFixture> {
  const database = await createTestDatabase(prefix);
  const recorder = new IngestRecorder();
  await recorder.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'ws-iam-'));
  const signingKey = randomBytes(32).toString('hex');
  const admin = { username: 'root', password: `${randomBytes(12).toString('base64url')}-Pw` };
  const instances: IamInstance[] = [];

  const startInstance = async (overrides: Record<string, unknown> = {}): Promise<IamInstance> => {
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      metrics: { bearerToken: METRICS_TOKEN },
      accessManagement: {
        databaseUrl: database.url,
        tokenSigningKey: signingKey,
        bootstrapAdmin: {
          username: admin.username,
          password: admin.password,
          credentialsFile: join(dataDir, 'credentials.txt'),
        },
        ...accessOverrides,
        ...overrides,
      },
      metricsEngine: { url: recorder.url, serviceToken: randomBytes(24).toString('hex') },
      telemetry: { spoolDir: join(dataDir, `spool-${instances.length}`), flushIntervalMs: 20 },
    });
    const service = await startTestService({
      module: class IamTestHost {},
      imports: [ServiceKitModule.forRoot({ service: 'iam', config }), IamModule.forRoot(config)],
    });
    const instance = { service, url: service.url, config };
    instances.push(instance);
    return instance;
  };

  const iam = await startInstance();
  return {
    database,
    recorder,
    signingKey,
    admin,
    iam,
    startInstance,
    async stop() {
      for (const instance of instances) await instance.service.close();
      await recorder.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function login(
  base: string,
  username: string,
  password: string,
  organization?: string,
): Promise<TokenResponse> {
  const answer = await call<TokenResponse>(base, 'POST', '/iam/auth/login', {
    body: { username, password, ...(organization === undefined ? {} : { organization }) },
  });
  if (answer.status !== 200)
    throw new Error(`login of ${username} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
