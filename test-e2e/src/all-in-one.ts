import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@webstream/testing';
import { type RunningProcess, startWebstream } from './processes';
import { RunMarker } from './run-marker';

export interface AllInOne {
  /** The run's own folder: its embedded database, telemetry spool and credentials file. */
  dir: string;
  gatewayUrl: string;
  /** Where each role listens. */
  ports: { gateway: number; sessionHost: number; metricsEngine: number };
  run: RunningProcess;
  /** The generated password of a bootstrap user (`admin`, `demo`), as the run printed it. */
  passwordOf(username: string): string;
  /**
   * Ctrl-C, then SIGKILL to every process of the run if it has not stopped within `STOP_GRACE_MS`; removes
   * the folder once nothing of the run is left to write into it.
   */
  stop(): Promise<void>;
}

/** Longer than any role's own stop grace (roles.ts), so a clean stop is never cut short. */
const STOP_GRACE_MS = 45_000;

/**
 * `webstream all` on free ports in a fresh folder, capturing real X displays, as the session tests need it: the
 * session host reachable at 127.0.0.1, and a short drain so the final Ctrl-C does not wait a minute; `env`
 * sets more of the configuration.
 */
export async function startAllInOne(name: string, env: Record<string, string> = {}): Promise<AllInOne> {
  const dir = await mkdtemp(join(tmpdir(), `webstream-${name}-`));
  // As root, the embedded PostgreSQL runs as the postgres user, which must be able to enter the folder.
  await chmod(dir, 0o755);
  const marker = new RunMarker();
  const [gateway, sessionHost, metricsEngine, database, streamer] = await freePorts(5);
  const gatewayUrl = `http://127.0.0.1:${gateway}`;
  const run = startWebstream(['all'], {
    cwd: dir,
    env: {
      ...marker.env,
      WEBSTREAM__GATEWAY__PORT: String(gateway),
      WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: gatewayUrl,
      // The address the tests' browsers use: single sign-on sends them back here.
      WEBSTREAM__ACCESSMANAGEMENT__PUBLICURL: gatewayUrl,
      WEBSTREAM__SESSIONHOST__PORT: String(sessionHost),
      WEBSTREAM__SESSIONHOST__SERVERURL: `http://127.0.0.1:${sessionHost}`,
      WEBSTREAM__METRICSENGINE__HTTPPORT: String(metricsEngine),
      WEBSTREAM__METRICSENGINE__URL: `http://127.0.0.1:${metricsEngine}`,
      WEBSTREAM__EMBEDDEDDATABASE__PORT: String(database),
      WEBSTREAM__STREAMER__BASEPORT: String(Math.min(streamer!, 60_000)),
      WEBSTREAM__EMBEDDEDDATABASE__DATADIR: join(dir, 'data', 'postgres'),
      WEBSTREAM__STREAMER__CAPTURESOURCE: 'x11',
      WEBSTREAM__SESSIONHOST__DRAINTIMEOUT: '2',
      ...env,
    },
  });
  await run.waitForOutput(/WebStream is ready in \d+ ms/, 90_000);
  return {
    dir,
    gatewayUrl,
    ports: { gateway: gateway!, sessionHost: sessionHost!, metricsEngine: metricsEngine! },
    run,
    passwordOf(username) {
      const password = new RegExp(`"username":"${username}","generatedPassword":"([^"]+)"`).exec(
        run.output(),
      )?.[1];
      if (password === undefined) throw new Error(`no generated password for ${username}:\n${run.output()}`);
      return password;
    },
    async stop() {
      run.child.kill('SIGINT');
      await Promise.race([run.exited, new Promise((done) => setTimeout(done, STOP_GRACE_MS))]);
      await marker.killAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
