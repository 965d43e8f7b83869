import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { type MyWorkspacesResponse, type Page, type Workspace } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IamModule } from '../src/iam.module';
import { call } from '@webstream/testing';
import { IngestRecorder, login } from './iam-harness';

describe('the first start of IAM', () => {
  let database: TestDatabase;
  let recorder: IngestRecorder;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase('ws_iam_bootstrap');
    recorder = new IngestRecorder();
    await recorder.start();
    dir = await mkdtemp(join(tmpdir(), 'ws-iam-bootstrap-'));
  });

  afterAll(async () => {
    await recorder?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  function start(demo: boolean): Promise<TestService> {
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: {
        databaseUrl: database.url,
        tokenSigningKey: randomBytes(32).toString('hex'),
        bootstrapAdmin: { credentialsFile: join(dir, 'secrets', 'initial-credentials.txt') },
        demo,
      },
      metricsEngine: { url: recorder.url, serviceToken: randomBytes(24).toString('hex') },
      telemetry: { spoolDir: join(dir, 'spool') },
    });
    return startTestService({
      module: class BootstrapHost {},
      imports: [ServiceKitModule.forRoot({ service: 'iam', config }), IamModule.forRoot(config)],
    });
  }

  function credentials(text: string): Map<string, { organization: string; password: string }> {
    const found = new Map<string, { organization: string; password: string }>();
    for (const match of text.matchAll(/^organization=(\S+) username=(\S+) password=(\S+)$/gm)) {
      found.set(match[2]!, { organization: match[1]!, password: match[3]! });
    }
    return found;
  }

  it('creates the admin with a generated password in a 0600 file, and the demo, once', async () => {
    const first = await start(true);
    const file = join(dir, 'secrets', 'initial-credentials.txt');
    let written: string;
    try {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      written = await readFile(file, 'utf8');
      const accounts = credentials(written);
      expect([...accounts.keys()].sort()).toEqual(['admin', 'demo']);
      expect(accounts.get('admin')!.password.length).toBeGreaterThanOrEqual(24);

      const admin = await login(first.url, 'admin', accounts.get('admin')!.password);
      expect(admin.user.role).toBe('platform-admin');
      const workspaces = await call<Page<Workspace>>(first.url, 'GET', '/iam/workspaces', {
        token: admin.accessToken,
      });
      expect(workspaces.body.items.map((workspace) => workspace.name)).toEqual(['Demo workspace']);

      const demo = await login(first.url, 'demo', accounts.get('demo')!.password, 'demo');
      const mine = await call<MyWorkspacesResponse>(first.url, 'GET', '/iam/me/workspaces', {
        token: demo.accessToken,
      });
      expect(mine.body.items).toHaveLength(1);
      expect(mine.body.items[0]!.applications.map((application) => application.exe)).toEqual(['xterm']);
    } finally {
      await first.close();
    }

    // A restart on the same database creates nothing and leaves the file as it was.
    const second = await start(true);
    try {
      expect(await readFile(file, 'utf8')).toBe(written);
      const admin = await login(second.url, 'admin', credentials(written).get('admin')!.password);
      const users = await call<Page<unknown>>(second.url, 'GET', '/iam/users', { token: admin.accessToken });
      expect(users.body.total).toBe(2);
    } finally {
      await second.close();
    }
  });
});
