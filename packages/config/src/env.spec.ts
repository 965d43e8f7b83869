import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { CONFIG_ENV_PREFIX, ConfigError, loadConfig, type WebstreamConfig } from './index';

function withEnv(env: Record<string, string>, yaml?: string): WebstreamConfig {
  return loadConfig({ argv: [], env, cwd: tempDir(yaml) }).config;
}

function envError(env: Record<string, string>, yaml?: string): ConfigError {
  try {
    withEnv(env, yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('WEBSTREAM__ environment overrides', () => {
  it('uses the WEBSTREAM__ prefix', () => {
    expect(CONFIG_ENV_PREFIX).toBe('WEBSTREAM__');
  });

  it('parses a number', () => {
    const config = withEnv({ WEBSTREAM__GATEWAY__PORT: '9100' });
    expect(config.gateway.port).toBe(9100);
  });

  it('matches camelCase keys case-insensitively, at any depth', () => {
    const config = withEnv({
      WEBSTREAM__GATEWAY__HEALTHCHECK__TIMEOUT: '7',
      webstream__gateway__loadbalancing__sessionaffinitytimeout: '60',
    });
    expect(config.gateway.healthCheck.timeout).toBe(7);
    expect(config.gateway.healthCheck.interval).toBe(10);
    // The prefix itself is case-sensitive, so the lower-case variable above is not an override.
    expect(config.gateway.loadBalancing.sessionAffinityTimeout).toBe(3600);
    expect(
      withEnv({ WEBSTREAM__Gateway__LoadBalancing__SessionAffinityTimeout: '60' }).gateway.loadBalancing,
    ).toMatchObject({ sessionAffinityTimeout: 60 });
  });

  it('sets an enum', () => {
    const config = withEnv({
      WEBSTREAM__ACCESSMANAGEMENT__MODE: 'standalone',
      WEBSTREAM__ACCESSMANAGEMENT__URL: 'http://iam:8090',
    });
    expect(config.accessManagement).toMatchObject({ mode: 'standalone', url: 'http://iam:8090' });
  });

  it('parses a boolean', () => {
    expect(withEnv({ WEBSTREAM__GATEWAY__ENABLED: 'false' }).gateway.enabled).toBe(false);
    expect(
      withEnv({ WEBSTREAM__GATEWAY__ELEVATEGATEWAYPRIORITY: 'true' }).gateway.elevateGatewayPriority,
    ).toBe(true);
  });

  it('parses a flow array', () => {
    expect(withEnv({ WEBSTREAM__SESSIONHOST__TAGS: '[gpu, finance]' }).sessionHost.tags).toEqual([
      'gpu',
      'finance',
    ]);
    expect(withEnv({ WEBSTREAM__GATEWAY__TRUSTEDPROXIES: '[10.0.0.0/8]' }).gateway.trustedProxies).toEqual([
      '10.0.0.0/8',
    ]);
  });

  it('parses a flow list of mappings for mcpApiKeys', () => {
    const key = 'x'.repeat(32);
    expect(withEnv({ WEBSTREAM__MCPAPIKEYS: `[{name: ops, key: ${key}}]` }).mcpApiKeys).toEqual([
      { name: 'ops', key },
    ]);
  });

  it('parses a flow mapping for a record, and for a whole section merged over the file', () => {
    expect(
      withEnv({ WEBSTREAM__GATEWAY__LOADBALANCING__WEIGHTS: '{"http://a:9005": 2}' }).gateway.loadBalancing
        .weights,
    ).toEqual({ 'http://a:9005': 2 });
    const config = withEnv(
      { WEBSTREAM__GATEWAY__HEALTHCHECK: '{timeout: 9}', WEBSTREAM__GATEWAY__HEALTHCHECK__INTERVAL: '3' },
      'gateway:\n  healthCheck:\n    interval: 5\n    failureThreshold: 6\n',
    );
    expect(config.gateway.healthCheck).toEqual({
      interval: 3,
      timeout: 9,
      failureThreshold: 6,
      successThreshold: 2,
    });
  });

  it('applies on top of the file, leaving the other file values', () => {
    const config = withEnv(
      { WEBSTREAM__GATEWAY__PORT: '9200' },
      'gateway:\n  port: 9100\n  httpsPort: 8443\n',
    );
    expect(config.gateway.port).toBe(9200);
    expect(config.gateway.httpsPort).toBe(8443);
  });

  it('takes string values verbatim, so a secret with YAML characters survives', () => {
    const secret = 'p#ss: word, {x}';
    const config = withEnv({
      WEBSTREAM__WEBSTREAMSETTINGS__SERVERPFXCERTIFICATEFILE: './cert.pfx',
      WEBSTREAM__WEBSTREAMSETTINGS__SERVERPFXSECRET: secret,
    });
    expect(config.webstreamSettings.serverPfxSecret).toBe(secret);
    expect(
      withEnv({ WEBSTREAM__WEBSTREAMSETTINGS__SERVERPFXSECRET: '0123' }).webstreamSettings.serverPfxSecret,
    ).toBe('0123');
    expect(withEnv({ WEBSTREAM__LOGGING__LEVEL: '"debug"' }).logging.level).toBe('debug');
  });

  it('ignores an empty variable', () => {
    expect(withEnv({ WEBSTREAM__GATEWAY__PORT: '' }, 'gateway:\n  port: 9100\n').gateway.port).toBe(9100);
  });

  it('takes WEBSTREAM_ADMIN_USERNAME and WEBSTREAM_ADMIN_PASSWORD for the bootstrap admin', () => {
    const config = withEnv({
      WEBSTREAM_ADMIN_USERNAME: 'root',
      WEBSTREAM_ADMIN_PASSWORD: 'correct horse battery',
    });
    expect(config.accessManagement.bootstrapAdmin).toMatchObject({
      username: 'root',
      password: 'correct horse battery',
    });
    expect(envError({ WEBSTREAM_ADMIN_PASSWORD: 'short' }).issues.map((issue) => issue.message)).toEqual([
      expect.stringMatching(
        /^accessManagement\.bootstrapAdmin\.password must be a password of at least 12 characters.*WEBSTREAM_ADMIN_PASSWORD/,
      ),
    ]);
  });

  it('does not treat WEBSTREAM_CONFIG (one underscore) as an override', () => {
    const dir = tempDir();
    const file = path.join(dir, 'custom.yaml');
    fs.writeFileSync(file, 'gateway:\n  port: 9300\n');
    const loaded = loadConfig({ argv: [], env: { WEBSTREAM_CONFIG: file }, cwd: dir });
    expect(loaded.config.gateway.port).toBe(9300);
    expect(loaded.path).toBe(file);
  });
});

describe('environment override errors', () => {
  it('a variable that names no key is an error naming the variable', () => {
    const error = envError({ WEBSTREAM__GATEWAY__PROT: '9100' });
    expect(error.issues).toEqual([
      {
        key: 'WEBSTREAM__GATEWAY__PROT',
        message:
          'WEBSTREAM__GATEWAY__PROT does not name a configuration key: gateway has no key "PROT" (did you mean port?)',
      },
    ]);
    expect(error.message).toContain('WEBSTREAM__GATEWAY__PROT');
  });

  it('a variable below a single value, or naming a section that does not exist, is an error', () => {
    expect(envError({ WEBSTREAM__GATEWAY__PORT__HTTP: '1' }).issues[0]?.message).toBe(
      'WEBSTREAM__GATEWAY__PORT__HTTP does not name a configuration key: gateway.port is a single value with no keys below it',
    );
    expect(envError({ WEBSTREAM__NOPE: '1' }).issues[0]?.key).toBe('WEBSTREAM__NOPE');
    expect(envError({ WEBSTREAM__: '1' }).issues[0]?.key).toBe('WEBSTREAM__');
  });

  it('a validation error caused by an env value names the variable as the source', () => {
    const error = envError(
      { WEBSTREAM__GATEWAY__HEALTHCHECK__TIMEOUT: '0' },
      'gateway:\n  healthCheck:\n    timeout: 8\n',
    );
    expect(error.issues).toEqual([
      {
        key: 'gateway.healthCheck.timeout',
        message:
          'gateway.healthCheck.timeout must be at least 1 s (from WEBSTREAM__GATEWAY__HEALTHCHECK__TIMEOUT)',
      },
    ]);
  });

  it('a cross-field error names the variable that set the other key', () => {
    const error = envError({ WEBSTREAM__ACCESSMANAGEMENT__MODE: 'standalone' });
    expect(error.issues[0]?.key).toBe('accessManagement.url');
    expect(error.issues[0]?.message).toMatch(/\(from WEBSTREAM__ACCESSMANAGEMENT__MODE\)$/);
  });

  it('a value that is not valid YAML is an error naming the variable', () => {
    const error = envError({ WEBSTREAM__SESSIONHOST__TAGS: '[gpu, finance' });
    expect(error.issues[0]?.key).toBe('sessionHost.tags');
    expect(error.issues[0]?.message).toMatch(
      /^sessionHost\.tags: the value of WEBSTREAM__SESSIONHOST__TAGS is not a valid YAML value \(/,
    );
  });

  it('a section set to something other than a mapping is an error', () => {
    expect(envError({ WEBSTREAM__GATEWAY: '9000' }).issues[0]?.message).toBe(
      'gateway: the value of WEBSTREAM__GATEWAY must be a YAML flow mapping such as {key: value}',
    );
  });

  it('two variables for the same key are an error', () => {
    expect(envError({ WEBSTREAM__GATEWAY__PORT: '1', WEBSTREAM__gateway__port: '2' }).issues).toEqual([
      {
        key: 'gateway.port',
        message:
          'gateway.port is set by both WEBSTREAM__GATEWAY__PORT and WEBSTREAM__gateway__port; keep only one',
      },
    ]);
  });

  it('an alias and the full variable for the same key are an error', () => {
    expect(
      envError({
        WEBSTREAM_ADMIN_USERNAME: 'a',
        WEBSTREAM__ACCESSMANAGEMENT__BOOTSTRAPADMIN__USERNAME: 'b',
      }).issues.map((issue) => issue.message),
    ).toEqual([
      'accessManagement.bootstrapAdmin.username is set by both WEBSTREAM_ADMIN_USERNAME and WEBSTREAM__ACCESSMANAGEMENT__BOOTSTRAPADMIN__USERNAME; keep only one',
    ]);
  });

  it('reports the file problems and the variable problems together', () => {
    const error = envError({ WEBSTREAM__GATEWAY__PROT: '1' }, 'gateway:\n  port: 0\n');
    expect(error.issues.map((issue) => issue.key)).toEqual(['WEBSTREAM__GATEWAY__PROT', 'gateway.port']);
  });
});
