import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { answersReady, freePorts } from '@webstream/testing';
import { type RunningProcess, startWebstream } from './processes';

/** builtin: IAM inside the gateway (`-gw`); standalone: IAM on its own (`-am`). */
export type IamMode = 'builtin' | 'standalone';

export interface IamStack {
  mode: IamMode;
  /** Where the IAM API answers: the gateway (builtin) or the standalone IAM service. */
  baseUrl: string;
  metricsUrl: string;
  /** The metrics engine's service credential (Authorization: Bearer). */
  serviceToken: string;
  /** The HS256 key IAM signs its access tokens with. */
  signingKey: string;
  /** The bootstrap platform admin, in the organization with slug `default`. */
  admin: { username: string; password: string };
  /** Everything the processes printed so far, for failure messages. */
  output(): string;
  /** Stops the processes (SIGTERM, SIGKILL after 5 s) and drops the databases. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

/** Random letters, digits, `-` and `_`. */
export function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/**
 * Starts the metrics engine and IAM (in the gateway, or standalone) as real processes on free ports, each
 * service on a database of its own, configured through environment variables only.
 */
export async function startIamStack(mode: IamMode): Promise<IamStack> {
  const processes: RunningProcess[] = [];
  const databases: TestDatabase[] = [];
  let dir: string | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(processes.map((run) => run.stop(STOP_GRACE_MS)));
      await Promise.all(databases.map((database) => database.drop()));
      if (dir) await rm(dir, { recursive: true, force: true });
    })());
  const output = (): string =>
    processes.map((run, index) => `--- process ${index + 1} ---\n${run.output()}`).join('\n');

  try {
    dir = await mkdtemp(join(tmpdir(), `webstream-iam-${mode}-`));
    const [iamDatabase, metricsDatabase] = await Promise.all([
      createTestDatabase('ws_e2e_iam'),
      createTestDatabase('ws_e2e_metrics'),
    ]);
    databases.push(iamDatabase, metricsDatabase);
    const [iamPort, metricsPort] = (await freePorts(2)) as [number, number];
    const baseUrl = `http://127.0.0.1:${iamPort}`;
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const serviceToken = randomText(40);
    const signingKey = randomText(48);
    const admin = { username: 'root', password: randomText(20) };

    const env: Record<string, string> = {
      WEBSTREAM__ACCESSMANAGEMENT__DATABASEURL: iamDatabase.url,
      WEBSTREAM__ACCESSMANAGEMENT__TOKENSIGNINGKEY: signingKey,
      WEBSTREAM__GATEWAY__BACKEND__TOKEN: randomText(40),
      // This suite signs in hundreds of times from one address: the gateway's limits are not what it tests.
      WEBSTREAM__GATEWAY__RATELIMITS__ENABLED: 'false',
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__FREEATTEMPTS: '3',
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__LOCKAFTERFAILURES: '6',
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__LOCKOUTSECONDS: '600',
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__ADDRESSLOCKAFTERFAILURES: '1000',
      WEBSTREAM__METRICSENGINE__HTTPPORT: String(metricsPort),
      WEBSTREAM__METRICSENGINE__URL: metricsUrl,
      WEBSTREAM__METRICSENGINE__DATABASEURL: metricsDatabase.url,
      WEBSTREAM__METRICSENGINE__SERVICETOKEN: serviceToken,
      WEBSTREAM__TELEMETRY__SPOOLDIR: join(dir, 'spool'),
      WEBSTREAM__TELEMETRY__FLUSHINTERVALMS: '50',
      WEBSTREAM__LOGGING__LEVEL: 'warn',
      WEBSTREAM_ADMIN_USERNAME: admin.username,
      WEBSTREAM_ADMIN_PASSWORD: admin.password,
      ...(mode === 'builtin'
        ? { WEBSTREAM__ACCESSMANAGEMENT__MODE: 'builtin', WEBSTREAM__GATEWAY__PORT: String(iamPort) }
        : {
            WEBSTREAM__ACCESSMANAGEMENT__MODE: 'standalone',
            WEBSTREAM__ACCESSMANAGEMENT__URL: baseUrl,
            WEBSTREAM__ACCESSMANAGEMENT__PORT: String(iamPort),
          }),
    };

    const metrics = startWebstream(['-me'], { cwd: dir, env });
    processes.push(metrics);
    const iam = startWebstream([mode === 'builtin' ? '-gw' : '-am'], { cwd: dir, env });
    processes.push(iam);
    await Promise.all([
      metrics.ready(() => answersReady(metricsUrl), READY_TIMEOUT_MS),
      iam.ready(() => answersReady(baseUrl), READY_TIMEOUT_MS),
    ]);
    return { mode, baseUrl, metricsUrl, serviceToken, signingKey, admin, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
