import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { freePorts } from '@webstream/testing';
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

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Polls GET /health/ready until it answers 200; fails at once if the process exits first. */
async function waitUntilReady(name: string, url: string, run: RunningProcess): Promise<void> {
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void run.exited.then((outcome) => {
    exited = outcome;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${name} exited (code ${exited.code}, signal ${exited.signal}) before it was ready; output:\n${run.output()}`,
      );
    }
    if (await answersReady(url)) return;
    await sleep(250);
  }
  throw new Error(`${name} was not ready at ${url} within ${READY_TIMEOUT_MS} ms; output:\n${run.output()}`);
}

/** The processes started by pid (children first), read from /proc; empty where there is no /proc. */
async function descendantsOf(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  try {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const children = parents.get(ppid) ?? [];
        children.push(Number(entry));
        parents.set(ppid, children);
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    return [];
  }
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const child of parents.get(parent) ?? []) {
      visit(child);
      found.push(child);
    }
  };
  visit(pid);
  return found;
}

/** SIGTERM, then SIGKILL to the command and the services it started if it has not exited after 5 s. */
async function stopProcess(run: RunningProcess): Promise<void> {
  const { child } = run;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([run.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (stopped || child.pid === undefined) return;
  const descendants = await descendantsOf(child.pid);
  child.kill('SIGKILL');
  for (const pid of descendants) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run.exited;
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
      await Promise.all(processes.map(stopProcess));
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
      waitUntilReady('the metrics engine (-me)', metricsUrl, metrics),
      waitUntilReady(mode === 'builtin' ? 'the gateway (-gw)' : 'standalone IAM (-am)', baseUrl, iam),
    ]);
    return { mode, baseUrl, metricsUrl, serviceToken, signingKey, admin, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
