import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamicModule, type Type } from '@nestjs/common';
import { type WebstreamConfig, webstreamConfigSchema } from '@webstream/config';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { type SessionSelectRequest, type TokenResponse } from '@webstream/contracts';
import { call, withOverrides } from '@webstream/testing';
import { GatewayModule } from '../src/gateway.module';

/**
 * What the suites that boot the whole gateway (IAM built in, on a PostgreSQL database of their own) share: the
 * database, a folder, the backend token, the token signing key and the bootstrap admin's password. `config` lays
 * a suite's overrides over the settings every such gateway needs; `start` boots one; `stop` ends them all (those
 * a suite has closed already are not closed again) and drops the rest.
 */
export class GatewayUnderTest {
  readonly backendToken = randomBytes(24).toString('hex');
  readonly adminPassword = 'a long enough passphrase';
  readonly signingKey = randomBytes(32).toString('hex');
  private readonly started: TestService[] = [];
  private spools = 0;

  private constructor(
    readonly database: TestDatabase,
    readonly dir: string,
  ) {}

  /** `name`: the database's prefix (ws_gateway_…) and the folder's. */
  static async prepare(name: string): Promise<GatewayUnderTest> {
    const database = await createTestDatabase(`ws_gateway_${name}`);
    return new GatewayUnderTest(database, await mkdtemp(join(tmpdir(), `ws-gateway-${name}-`)));
  }

  /** The settings of a gateway on this database (each with a telemetry spool of its own), with `overrides`. */
  config(overrides: Record<string, unknown> = {}): WebstreamConfig {
    return webstreamConfigSchema.parse(
      withOverrides(
        {
          logging: { level: 'silent' },
          gateway: { backend: { token: this.backendToken } },
          accessManagement: {
            databaseUrl: this.database.url,
            tokenSigningKey: this.signingKey,
            bootstrapAdmin: { password: this.adminPassword },
          },
          // Nothing listens there: a suite that reads telemetry names its own engine.
          metricsEngine: { url: 'http://127.0.0.1:9', serviceToken: 's'.repeat(32) },
          telemetry: { spoolDir: join(this.dir, `spool-${(this.spools += 1)}`) },
        },
        overrides,
      ),
    );
  }

  /**
   * Boots a gateway with `config`, and beside it the `modules` a suite adds (the MCP proxy, the OpenAPI
   * document…). Closing it twice (the suite, then `stop`) closes it once.
   */
  async start(
    config: WebstreamConfig = this.config(),
    ...modules: (Type | DynamicModule)[]
  ): Promise<TestService> {
    const root = GatewayModule.forRoot(config);
    const gateway = await startTestService(
      modules.length === 0 ? root : { module: class GatewayTestHost {}, imports: [root, ...modules] },
    );
    let closed: Promise<void> | undefined;
    const started = { ...gateway, close: () => (closed ??= gateway.close()) };
    this.started.push(started);
    return started;
  }

  /**
   * Makes `gateway` ready to launch something: an application, a workspace holding it, and users `usernames`
   * beside the admin, each signed in and entitled to it. Answers their tokens and the launch a browser would
   * select.
   */
  async launchable(
    gateway: TestService,
    usernames: readonly string[] = [],
  ): Promise<{ admin: TokenResponse; users: Record<string, TokenResponse>; launch: SessionSelectRequest }> {
    const post = async <T>(path: string, body: unknown, token?: string): Promise<T> => {
      const answer = await call<T>(gateway.url, 'POST', path, { body, ...(token ? { token } : {}) });
      if (answer.status >= 300)
        throw new Error(`${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const admin = await post<TokenResponse>('/iam/auth/login', {
      username: 'admin',
      password: this.adminPassword,
    });
    const app = await post<{ id: string }>(
      '/iam/applications',
      { name: 'Editor', exe: 'gedit' },
      admin.accessToken,
    );
    const workspace = await post<{ id: string }>(
      '/iam/workspaces',
      { name: 'Office', applicationIds: [app.id] },
      admin.accessToken,
    );
    const password = 'another long passphrase';
    const created = await Promise.all(
      usernames.map((username) =>
        post<{ id: string }>('/iam/users', { username, password }, admin.accessToken),
      ),
    );
    for (const userId of [admin.user.id, ...created.map((user) => user.id)])
      await post('/iam/entitlements', { workspaceId: workspace.id, userId }, admin.accessToken);
    const users: Record<string, TokenResponse> = {};
    for (const username of usernames)
      users[username] = await post<TokenResponse>('/iam/auth/login', { username, password });
    return {
      admin,
      users,
      launch: {
        workspaceId: workspace.id,
        workspaceType: 'app',
        appId: app.id,
        appExe: 'gedit',
        appArgs: '',
      },
    };
  }

  async stop(): Promise<void> {
    for (const gateway of this.started) await gateway.close().catch(() => undefined);
    await this.database.drop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
