import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { configWarnings, gatewayFailureWindowSeconds, loadConfig, webstreamConfigSchema } from './index';

const withHealthCheck = (healthCheck: object, heartbeatInterval = 10) =>
  webstreamConfigSchema.parse({ gateway: { healthCheck, backend: { heartbeatInterval } } });

describe('gatewayFailureWindowSeconds', () => {
  it('is healthCheck.interval × failureThreshold', () => {
    expect(gatewayFailureWindowSeconds(webstreamConfigSchema.parse({}))).toBe(40);
    expect(gatewayFailureWindowSeconds(withHealthCheck({ interval: 5, failureThreshold: 3 }))).toBe(15);
  });
});

describe('configWarnings', () => {
  it('has nothing to say about the defaults', () => {
    expect(configWarnings(webstreamConfigSchema.parse({}))).toEqual([]);
  });

  it('warns about a health check timeout below 6 s, and explains why', () => {
    expect(configWarnings(withHealthCheck({ timeout: 5 }))).toEqual([
      'gateway.healthCheck.timeout is 5 s; keep it at 6 s or more so a backend that answers slowly while it provisions a login is not counted as failing',
    ]);
    expect(configWarnings(withHealthCheck({ timeout: 6 }))).toEqual([]);
  });

  it('warns about a failure threshold below 3', () => {
    expect(configWarnings(withHealthCheck({ failureThreshold: 2, interval: 10 }, 5))).toEqual([
      'gateway.healthCheck.failureThreshold is 2; keep it at 3 or more so a backend busy with login provisioning is not flapped out of routing',
    ]);
    expect(configWarnings(withHealthCheck({ failureThreshold: 3 }))).toEqual([]);
  });

  it('warns when the heartbeat interval is not shorter than the failure window', () => {
    const warnings = configWarnings(withHealthCheck({ interval: 5, failureThreshold: 4 }, 20));
    expect(warnings).toEqual([
      "gateway.backend.heartbeatInterval (20 s) is not shorter than the gateway's failure window (gateway.healthCheck.interval 5 s × failureThreshold 4 = 20 s); a session host could be marked Unreachable between two heartbeats",
    ]);
    expect(configWarnings(withHealthCheck({ interval: 5, failureThreshold: 4 }, 19))).toEqual([]);
  });

  it('are returned by loadConfig', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'webstream.config.yaml'), 'gateway:\n  healthCheck:\n    timeout: 2\n');
    const loaded = loadConfig({
      argv: [],
      env: { WEBSTREAM__GATEWAY__HEALTHCHECK__FAILURETHRESHOLD: '1' },
      cwd: dir,
    });
    expect(loaded.warnings).toHaveLength(3);
    expect(loaded.warnings[0]).toMatch(/^gateway\.healthCheck\.timeout is 2 s/);
    expect(loaded.warnings[1]).toMatch(/flapped out of routing$/);
    expect(loaded.warnings[2]).toMatch(/^gateway\.backend\.heartbeatInterval \(10 s\)/);
  });
});
