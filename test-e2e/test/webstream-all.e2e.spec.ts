import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GATEWAY_HEALTH_BODY } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@webstream/testing';
import { descendantsOf, freePorts } from '@webstream/testing';
import { startWebstream, WORKSPACE_ROOT } from '../src/processes';

/** The metric names the shipped Grafana dashboard's queries read. */
function dashboardMetrics(): Set<string> {
  const dashboard = JSON.parse(
    readFileSync(resolve(WORKSPACE_ROOT, 'deploy/grafana/webstream-dashboard.json'), 'utf8'),
  ) as { panels: { targets?: { expr: string }[] }[] };
  const functions = new Set(['sum', 'max', 'min', 'avg', 'count', 'rate', 'increase', 'histogram_quantile']);
  const names = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets ?? []) {
      // What is left once grouping clauses, label matchers and ranges are gone: functions and metric names.
      const bare = expr
        .replace(/\b(by|without)\s*\([^)]*\)/g, '')
        .replace(/\{[^}]*\}/g, '')
        .replace(/\[[^\]]*\]/g, '');
      for (const word of bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [])
        if (!functions.has(word)) names.add(word);
    }
  }
  return names;
}

/** The names in `wanted` that no `# TYPE` line of the Prometheus text declares (a histogram's series count). */
function metricsMissingFrom(wanted: Set<string>, text: string): string[] {
  const exported = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name!}${suffix}`);
  }
  return [...wanted].filter((name) => !exported.has(name)).sort();
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
}

/** Running: not gone and not a zombie waiting for its reaped parent. */
function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

// `webstream all` as an operator runs it: a fresh folder, no config file, the embedded database.
describe('webstream all (the proof of concept)', () => {
  let dir: string;
  let env: Record<string, string>;
  let ports: { gateway: number; sessionHost: number; metricsEngine: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webstream-all-'));
    // As root, the embedded PostgreSQL runs as the postgres user, which must be able to enter the folder.
    await chmod(dir, 0o755);
    const [gateway, sessionHost, metricsEngine, database, streamer] = await freePorts(5);
    ports = { gateway: gateway!, sessionHost: sessionHost!, metricsEngine: metricsEngine! };
    env = {
      WEBSTREAM__GATEWAY__PORT: String(gateway),
      WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: `http://127.0.0.1:${gateway}`,
      WEBSTREAM__SESSIONHOST__PORT: String(sessionHost),
      WEBSTREAM__METRICSENGINE__HTTPPORT: String(metricsEngine),
      WEBSTREAM__METRICSENGINE__URL: `http://127.0.0.1:${metricsEngine}`,
      WEBSTREAM__EMBEDDEDDATABASE__PORT: String(database),
      WEBSTREAM__STREAMER__BASEPORT: String(Math.min(streamer!, 60_000)),
      WEBSTREAM__EMBEDDEDDATABASE__DATADIR: join(dir, 'data', 'postgres'),
    };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function getJson(url: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  }

  it('boots every role on the embedded database, each answers its health and metrics, and Ctrl-C stops them all', async () => {
    const run = startWebstream(['all'], { cwd: dir, env });
    try {
      await run.waitForOutput(/WebStream is ready in \d+ ms/, 90_000);
      // Prometheus's bearer token, kept for the operator's scrape config; /metrics answers nobody else.
      const metricsToken = (await readFile(join(dir, '.data', 'metrics-bearer-token'), 'utf8')).trim();
      expect((await stat(join(dir, '.data', 'metrics-bearer-token'))).mode & 0o777).toBe(0o600);

      const scraped: string[] = [];
      for (const [role, port, database] of [
        ['gateway', ports.gateway, 'iam-database'],
        ['metrics-engine', ports.metricsEngine, 'metrics-database'],
        ['session-host', ports.sessionHost, undefined],
      ] as const) {
        const ready = await getJson(`http://127.0.0.1:${port}/health/ready`);
        expect(ready.status, role).toBe(200);
        expect(ready.body).toMatchObject({ status: 'ok', info: { service: { status: 'up' } } });
        if (database) expect(ready.body).toMatchObject({ info: { [database]: { status: 'up' } } });
        expect((await getJson(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status, role).toBe(401);
        const metrics = await (
          await fetch(`http://127.0.0.1:${port}/metrics`, {
            headers: { authorization: `Bearer ${metricsToken}` },
          })
        ).text();
        expect(metrics).toContain(`process_resident_memory_bytes{service="${role}"}`);
        scraped.push(metrics);
      }
      // The shipped Grafana dashboard names only metrics these services really export.
      expect(metricsMissingFrom(dashboardMetrics(), scraped.join('\n'))).toEqual([]);
      const plain = await fetch(`http://127.0.0.1:${ports.gateway}/gateway/health`);
      expect(await plain.text()).toBe(GATEWAY_HEALTH_BODY);

      // The first administrator's generated password is printed once and kept in a 0600 file.
      const printed = /"username":"admin","generatedPassword":"([^"]+)"/.exec(run.output());
      expect(printed, run.output()).not.toBeNull();
      const credentials = await readFile(join(dir, '.data', 'initial-credentials.txt'), 'utf8');
      expect(credentials).toContain(`username=admin password=${printed![1]}`);
      expect((await stat(join(dir, '.data', 'initial-credentials.txt'))).mode & 0o777).toBe(0o600);
      const login = await fetch(`http://127.0.0.1:${ports.gateway}/iam/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: printed![1] }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const workspaces = await fetch(`http://127.0.0.1:${ports.gateway}/iam/workspaces`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(await workspaces.json()).toMatchObject({ items: [{ name: 'Demo workspace' }], total: 1 });
      // The session host started once the gateway was ready: registered at its first attempt, so the demo can
      // be launched as soon as the command says ready.
      const backends = await fetch(`http://127.0.0.1:${ports.gateway}/gateway/admin/backends`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(await backends.json()).toMatchObject({
        items: [{ serverUrl: expect.stringContaining(`:${ports.sessionHost}`) as unknown }],
      });
      expect(run.output()).not.toMatch(/could not register/);

      run.child.kill('SIGINT');
      const { code } = await run.exited;
      expect(code).toBe(0);
      for (const role of ['gateway', 'metrics-engine', 'session-host']) {
        expect(run.output()).toMatch(new RegExp(`\\[${role}\\]\\s+\\{.*"msg":"stopped"`));
      }
      await expect(fetch(`http://127.0.0.1:${ports.gateway}/health/live`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('leaves nothing running when it is killed outright: every role and the embedded PostgreSQL stop', async () => {
    const run = startWebstream(['all'], { cwd: dir, env });
    try {
      await run.waitForOutput(/WebStream is ready in \d+ ms/, 90_000);
      const started = await descendantsOf(run.child.pid!);
      const commands = started.map((pid) => commandOf(pid)).join('\n');
      expect(commands).toMatch(/gateway\/dist\/main\.js/);
      expect(commands).toMatch(/session-host\/dist\/main\.js/);
      expect(commands).toMatch(/metrics-engine\/dist\/main\.js/);
      expect(commands).toMatch(/postgres/);
      run.child.kill('SIGKILL');
      await run.exited;
      // A few seconds is the behaviour under test; the wait allows for a loaded machine.
      const left = await until(
        'every process it started to stop',
        () => {
          const alive = started.filter(isAlive);
          return alive.length === 0 ? alive : undefined;
        },
        30_000,
        250,
      ).catch(() => started.filter(isAlive).map((pid) => `${pid} ${commandOf(pid)}`));
      expect(left).toEqual([]);
      await expect(fetch(`http://127.0.0.1:${ports.gateway}/health/live`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('says which role failed and why, and stops the others', async () => {
    // Holds the gateway's port; connections to it are dropped so nothing lingers when it closes.
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => blocker.listen(ports.gateway, '0.0.0.0', done));
    const run = startWebstream(['all'], { cwd: dir, env });
    try {
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.output()).toMatch(
        new RegExp(
          `start-up failed: gateway exited with code 1: gateway.port ${ports.gateway} is already in use`,
        ),
      );
      await expect(fetch(`http://127.0.0.1:${ports.sessionHost}/health/live`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
      await new Promise((done) => blocker.close(done));
    }
  });

  it('refuses an invalid configuration, naming the key and the rule', async () => {
    const run = startWebstream(['all'], {
      cwd: dir,
      env: { ...env, WEBSTREAM__GATEWAY__HEALTHCHECK__TIMEOUT: '0' },
    });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toMatch(/gateway\.healthCheck\.timeout must be at least 1 s/);
  });
});
