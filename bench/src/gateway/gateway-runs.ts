// Starting and stopping bench gateways the same way in every suite that measures one: one set of
// credentials shared by the run's gateways, the fake hosts attached, and what each printed checked on stop.
import { randomBytes } from 'node:crypto';
import { HttpClient } from '../iam/load';
import { freePort } from '@webstream/testing';
import { randomToken, type ServiceProcess } from '../service';
import { type Cleanup } from '../suite';
import { benchLicence, type GatewayOptions, RATE_LIMITS_OFF, startGateway } from './gateway-process';
import { type FakeSessionHosts } from './hosts';

/** IAM cannot reach a metrics engine in these runs, by design: the gateway says so and keeps its events. */
export const NO_METRICS_ENGINE = 'could not send telemetry to the metrics engine';

export interface GatewayRunOptions {
  databaseUrl: string;
  cwd: string;
  licenceCap: number;
  maxSessionsPerUser: number;
  hosts: FakeSessionHosts;
  cleanup: Cleanup;
  /** Connections each gateway's HTTP client keeps. */
  connections: number;
  anomaly: (text: string) => void;
  /** Filled with what each stopped gateway printed, for the results file. */
  printed: Record<string, unknown>;
}

export interface GatewayRuns {
  admin: { username: string; password: string };
  backendToken: string;
  launch: (
    name: string,
    /** `env` is applied over the run's own (the rate limits off), e.g. to turn them on for one gateway. */
    extra?: Pick<GatewayOptions, 'redis' | 'gcOnSignal' | 'env'>,
  ) => Promise<{ gateway: ServiceProcess; http: HttpClient }>;
  stop: (gateway: ServiceProcess, http: HttpClient) => Promise<void>;
}

export async function gatewayRuns(run: GatewayRunOptions): Promise<GatewayRuns> {
  const admin = { username: 'bench-admin', password: `Admin-${randomBytes(12).toString('base64url')}` };
  const backendToken = randomToken();
  const base: Omit<GatewayOptions, 'name'> = {
    databaseUrl: run.databaseUrl,
    tokenSigningKey: randomToken(),
    admin,
    backendToken,
    licence: benchLicence(run.licenceCap),
    maxSessionsPerUser: run.maxSessionsPerUser,
    // Nothing listens there: IAM's audit events (one per login) wait in the gateway's spool.
    metricsEngine: { url: `http://127.0.0.1:${await freePort()}`, serviceToken: randomToken() },
    cwd: run.cwd,
    env: RATE_LIMITS_OFF,
  };
  return {
    admin,
    backendToken,
    /** Starts a gateway and registers the fake hosts with it (they heartbeat it until it stops). */
    async launch(name, extra = {}) {
      const gateway = await startGateway({ ...base, name, ...extra, env: { ...base.env, ...extra.env } });
      run.cleanup.add(`stop the ${name}`, () => gateway.stop());
      await run.hosts.attach(gateway.url, backendToken);
      const http = new HttpClient(gateway.url, run.connections);
      run.cleanup.add(`close the HTTP agent of the ${name}`, async () => http.close());
      return { gateway, http };
    },
    async stop(gateway, http) {
      const heartbeats = await run.hosts.detach();
      http.close();
      await gateway.stop();
      const { lines, last } = gateway.printed();
      const expected = last.filter((line) => line.includes(NO_METRICS_ENGINE)).length;
      run.printed[gateway.name] = { lines, expectedTelemetryWarnings: expected, last, heartbeats };
      if (lines > expected) {
        run.anomaly(
          `${gateway.name} printed ${lines - expected} lines at log level warn or above besides ${expected} about the absent metrics engine (above, and in the JSON file)`,
        );
      }
      const failures = Object.entries(heartbeats?.failures ?? {});
      if (failures.length > 0) {
        run.anomaly(
          `${gateway.name}: heartbeats not acknowledged: ${failures.map(([what, times]) => `${times} × ${what}`).join('; ')}`,
        );
      }
    },
  };
}
