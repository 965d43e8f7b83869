import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { ConfigError, loadConfig, resolveConfigPath, webstreamConfigSchema } from './index';

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: defaults', () => {
  it('uses every default when there is no file at the default path', () => {
    const loaded = loadConfig({ argv: [], env: {}, cwd: tempDir() });
    expect(loaded.path).toBeNull();
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toEqual({
      gateway: {
        enabled: true,
        publicIP: '0.0.0.0',
        port: 9000,
        httpsPort: 443,
        elevateGatewayPriority: false,
        topology: 'hijack',
        connectSources: [],
        frameAncestors: ["'none'"],
        trustedProxies: [],
        loadBalancing: { strategy: 'RoundRobin', sessionAffinityTimeout: 3600, weights: {} },
        healthCheck: { interval: 10, timeout: 8, failureThreshold: 4, successThreshold: 2 },
        backend: { gatewayUrl: 'http://localhost:9000', heartbeatInterval: 10, heartbeatTimeout: 30 },
        maxSessionsPerUser: 5,
        licence: {},
        webSocket: {
          allowedOrigins: [],
          ticketTtl: 30,
          upstreamConnectTimeout: 10,
          maxMessageBytes: { capture: 65_536, control: 17_825_792, audio: 65_536 },
        },
        rateLimits: {
          enabled: true,
          auth: {
            perIdentity: { limit: 30, windowSeconds: 60 },
            perTenant: { limit: 3000, windowSeconds: 60 },
          },
          iam: {
            perIdentity: { limit: 600, windowSeconds: 60 },
            perTenant: { limit: 6000, windowSeconds: 60 },
          },
          session: {
            perIdentity: { limit: 60, windowSeconds: 60 },
            perTenant: { limit: 1200, windowSeconds: 60 },
          },
          connection: {
            perIdentity: { limit: 120, windowSeconds: 60 },
            perTenant: { limit: 2400, windowSeconds: 60 },
          },
          mcp: {
            perIdentity: { limit: 600, windowSeconds: 60 },
            perTenant: { limit: 6000, windowSeconds: 60 },
          },
          admin: {
            perIdentity: { limit: 300, windowSeconds: 60 },
            perTenant: { limit: 3000, windowSeconds: 60 },
          },
        },
      },
      sessionHost: {
        publicIP: '0.0.0.0',
        port: 9005,
        serverUrl: 'http://localhost:9005',
        maxSessions: 10,
        tags: [],
        capabilities: [],
        instanceType: undefined,
        streamerReadyTimeout: 20,
        drainTimeout: 60,
        streamerAddress: '127.0.0.1',
        sandbox: {
          mode: 'auto',
          uidRange: { first: 200_000, last: 265_535 },
          homeRoot: './.data/homes',
          runtimeRoot: '/run/webstream',
          home: 'persistent',
          network: 'host',
          limits: { memoryMb: 2048, cpus: 1, processes: 256, openFiles: 4096, homeDiskMb: 2048 },
        },
      },
      streamer: {
        basePort: 9010,
        captureSource: 'auto',
        frameRate: 30,
        width: 1280,
        height: 720,
        jpegQuality: 5,
        maxBufferedBytes: 2 * 1024 * 1024,
        glx: false,
        telemetryInterval: 5,
      },
      webstreamSettings: {},
      accessManagement: {
        mode: 'builtin',
        publicIP: '0.0.0.0',
        port: 8090,
        accessTokenTtl: 900,
        refreshTokenTtl: 1_209_600,
        bootstrapAdmin: { username: 'admin', credentialsFile: './.data/initial-credentials.txt' },
        demo: false,
        loginThrottle: {
          freeAttempts: 3,
          lockAfterFailures: 10,
          lockoutSeconds: 900,
          addressLockAfterFailures: 100,
          addressWindowSeconds: 3600,
        },
        entitlementCacheTtl: 60,
        sso: { allowHttpProviders: false, allowedProviderNetworks: [] },
      },
      mcpApiKeys: [],
      metricsEngine: {
        publicIP: '0.0.0.0',
        httpPort: 9009,
        url: 'http://localhost:9009',
        retention: {
          rawSampleDays: 7,
          hourlyAggregateMonths: 13,
          activityDays: 90,
          auditDays: 0,
          intervalMinutes: 60,
          openSessionTimeoutMinutes: 10,
        },
      },
      telemetry: {
        spoolDir: './.data/telemetry',
        maxMemoryEvents: 10_000,
        batchSize: 500,
        flushIntervalMs: 1_000,
      },
      redis: { keyPrefix: 'webstream:' },
      embeddedDatabase: { dataDir: './.data/postgres', port: 5433 },
      logging: { level: 'info' },
      metrics: {},
      observability: { tracing: { enabled: false, sampleRatio: 1 } },
      requestBodies: { defaultMaxBytes: 1_048_576, telemetryMaxBytes: 16_777_216 },
    });
  });

  it('gives the same defaults as parsing an empty object with the schema', () => {
    expect(loadConfig({ argv: [], env: {}, cwd: tempDir() }).config).toEqual(webstreamConfigSchema.parse({}));
  });

  it('treats an empty file, or a file of comments, as all defaults', () => {
    const dir = tempDir();
    const defaults = loadConfig({ argv: [], env: {}, cwd: dir }).config;
    const empty = write(dir, 'empty.yaml', '');
    const comments = write(dir, 'comments.yaml', '# nothing here\n');
    expect(loadConfig({ argv: ['--config', empty], env: {}, cwd: dir }).config).toEqual(defaults);
    expect(loadConfig({ argv: ['--config', comments], env: {}, cwd: dir }).config).toEqual(defaults);
  });

  it('treats a key with no value as its default', () => {
    const dir = tempDir();
    write(dir, 'webstream.config.yaml', 'gateway:\n  port:\n  healthCheck:\nredis:\n  url:\n');
    const { config } = loadConfig({ argv: [], env: {}, cwd: dir });
    expect(config.gateway.port).toBe(9000);
    expect(config.gateway.healthCheck.timeout).toBe(8);
    expect(config.redis.url).toBeUndefined();
  });
});

describe('loadConfig: the file', () => {
  it("reads ./webstream.config.yaml from cwd and returns the file's values", () => {
    const dir = tempDir();
    const file = write(
      dir,
      'webstream.config.yaml',
      [
        'gateway:',
        '  port: 9100',
        '  trustedProxies: [10.0.0.0/8, 192.168.1.10]',
        '  loadBalancing:',
        '    strategy: Weighted',
        '    weights:',
        '      "http://10.0.1.5:9005/": 3',
        '  healthCheck: { interval: 5, timeout: 7 }',
        '  backend:',
        '    gatewayUrl: https://gw.example.com/',
        'sessionHost:',
        '  serverUrl: http://10.0.1.5:9005',
        '  maxSessions: 4',
        '  tags: [gpu]',
        'accessManagement:',
        '  mode: standalone',
        '  url: http://iam.internal:8090',
        'logging: { level: debug }',
      ].join('\n'),
    );
    const loaded = loadConfig({ argv: [], env: {}, cwd: dir });
    expect(loaded.path).toBe(file);
    expect(loaded.config.gateway.port).toBe(9100);
    expect(loaded.config.gateway.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.10']);
    expect(loaded.config.gateway.loadBalancing).toEqual({
      strategy: 'Weighted',
      sessionAffinityTimeout: 3600,
      weights: { 'http://10.0.1.5:9005': 3 },
    });
    expect(loaded.config.gateway.healthCheck).toEqual({
      interval: 5,
      timeout: 7,
      failureThreshold: 4,
      successThreshold: 2,
    });
    expect(loaded.config.gateway.backend.gatewayUrl).toBe('https://gw.example.com');
    expect(loaded.config.sessionHost).toMatchObject({
      serverUrl: 'http://10.0.1.5:9005',
      maxSessions: 4,
      tags: ['gpu'],
    });
    expect(loaded.config.accessManagement).toMatchObject({
      mode: 'standalone',
      url: 'http://iam.internal:8090',
      publicIP: '0.0.0.0',
      port: 8090,
    });
    expect(loaded.config.logging.level).toBe('debug');
  });

  it("derives sessionHost.serverUrl from the host's port when it is not set", () => {
    const dir = tempDir();
    write(dir, 'webstream.config.yaml', 'sessionHost:\n  port: 9105\n');
    expect(loadConfig({ argv: [], env: {}, cwd: dir }).config.sessionHost.serverUrl).toBe(
      'http://localhost:9105',
    );
  });

  it('turns a YAML syntax error into a ConfigError naming the file and line', () => {
    const dir = tempDir();
    const file = write(dir, 'webstream.config.yaml', 'gateway:\n  port: 9000\n  port: 9001\n');
    const error = configError(() => loadConfig({ argv: [], env: {}, cwd: dir }));
    expect(error.message).toContain(file);
    expect(error.message).toContain('line 3');
    expect(error.issues[0]?.message).toMatch(
      /^YAML syntax error at line 3, column 3 of .*: Map keys must be unique$/,
    );
  });

  it('rejects a file that is a list rather than a mapping', () => {
    const dir = tempDir();
    write(dir, 'webstream.config.yaml', '- gateway\n- sessionHost\n');
    expect(configError(() => loadConfig({ argv: [], env: {}, cwd: dir })).message).toContain(
      'must hold a YAML mapping of sections',
    );
  });

  it('adds the line of each invalid value to the error message', () => {
    const dir = tempDir();
    write(dir, 'webstream.config.yaml', 'logging:\n  level: info\ngateway:\n  port: 0\n');
    const error = configError(() => loadConfig({ argv: [], env: {}, cwd: dir }));
    expect(error.message.split('\n')).toContain(
      '  - gateway.port must be an integer between 1 and 65535 (line 4)',
    );
  });
});

describe('resolveConfigPath and the order of --config, WEBSTREAM_CONFIG and the default', () => {
  const dir = tempDir();
  const fromFlag = write(dir, 'flag.yaml', 'gateway: { port: 9101 }\n');
  const fromEquals = write(dir, 'equals.yaml', 'gateway: { port: 9102 }\n');
  const fromEnv = write(dir, 'env.yaml', 'gateway: { port: 9103 }\n');
  write(dir, 'webstream.config.yaml', 'gateway: { port: 9104 }\n');
  const port = (argv: string[], env: Record<string, string>) =>
    loadConfig({ argv, env, cwd: dir }).config.gateway.port;

  it('prefers --config <path> over WEBSTREAM_CONFIG and the default', () => {
    expect(port(['-gw', '--config', fromFlag], { WEBSTREAM_CONFIG: fromEnv })).toBe(9101);
  });

  it('accepts --config=<path>', () => {
    expect(port(['--config=' + fromEquals], { WEBSTREAM_CONFIG: fromEnv })).toBe(9102);
  });

  it('uses WEBSTREAM_CONFIG when there is no --config', () => {
    expect(port([], { WEBSTREAM_CONFIG: fromEnv })).toBe(9103);
  });

  it('falls back to ./webstream.config.yaml', () => {
    expect(port([], {})).toBe(9104);
    expect(resolveConfigPath({ argv: [], env: {}, cwd: dir })).toEqual({
      path: path.join(dir, 'webstream.config.yaml'),
      explicit: false,
    });
  });

  it('resolves a relative path against cwd and marks it explicit', () => {
    expect(resolveConfigPath({ argv: ['--config', 'flag.yaml'], env: {}, cwd: dir })).toEqual({
      path: fromFlag,
      explicit: true,
    });
    expect(resolveConfigPath({ argv: [], env: { WEBSTREAM_CONFIG: 'env.yaml' }, cwd: dir })).toEqual({
      path: fromEnv,
      explicit: true,
    });
  });

  it('ignores --config after the -- separator', () => {
    expect(resolveConfigPath({ argv: ['--', '--config', 'flag.yaml'], env: {}, cwd: dir }).explicit).toBe(
      false,
    );
  });

  it('reports --config given without a path', () => {
    const error = configError(() => resolveConfigPath({ argv: ['--config'], env: {}, cwd: dir }));
    expect(error.issues).toEqual([
      { key: '--config', message: '--config needs a path: --config <path> or --config=<path>' },
    ]);
  });
});

describe('an explicitly given file that does not exist', () => {
  it('is an error naming the path given by --config', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'missing.yaml');
    const error = configError(() => loadConfig({ argv: ['--config', missing], env: {}, cwd: dir }));
    expect(error.issues).toEqual([
      { key: '--config', message: `The configuration file ${missing} (given by --config) does not exist` },
    ]);
    expect(error.message).toContain(missing);
  });

  it('is an error naming the path given by WEBSTREAM_CONFIG', () => {
    const dir = tempDir();
    const error = configError(() =>
      loadConfig({ argv: [], env: { WEBSTREAM_CONFIG: 'nope.yaml' }, cwd: dir }),
    );
    expect(error.issues[0]?.key).toBe('WEBSTREAM_CONFIG');
    expect(error.message).toContain(path.join(dir, 'nope.yaml'));
  });

  it('is an error when the path is a directory', () => {
    const dir = tempDir();
    expect(configError(() => loadConfig({ argv: ['--config', dir], env: {}, cwd: dir })).message).toContain(
      'is not a regular file',
    );
  });
});

describe('the loaded result', () => {
  it('is deep-frozen', () => {
    const dir = tempDir();
    write(
      dir,
      'webstream.config.yaml',
      'sessionHost: { tags: [gpu] }\ngateway: { healthCheck: { timeout: 3 } }\n',
    );
    const loaded = loadConfig({ argv: [], env: {}, cwd: dir });
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.config)).toBe(true);
    expect(Object.isFrozen(loaded.config.gateway.healthCheck)).toBe(true);
    expect(Object.isFrozen(loaded.config.sessionHost.tags)).toBe(true);
    expect(Object.isFrozen(loaded.warnings)).toBe(true);
    expect(() => {
      (loaded.config.gateway as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      loaded.config.sessionHost.tags.push('x');
    }).toThrow(TypeError);
    expect(loaded.config.gateway.port).toBe(9000);
  });

  it('does not share frozen defaults between loads', () => {
    const first = loadConfig({ argv: [], env: {}, cwd: tempDir() });
    const second = loadConfig({ argv: [], env: {}, cwd: tempDir() });
    expect(second.config.mcpApiKeys).not.toBe(first.config.mcpApiKeys);
    expect(webstreamConfigSchema.parse({}).mcpApiKeys).not.toBe(first.config.mcpApiKeys);
    expect(Object.isFrozen(webstreamConfigSchema.parse({}).mcpApiKeys)).toBe(false);
  });
});

describe('loadConfig: --config-env-fd', () => {
  function descriptorHolding(text: string): number {
    const file = write(tempDir(), 'overrides.json', text);
    return fs.openSync(file, 'r');
  }

  it('applies the WEBSTREAM__ variables read from the descriptor over the environment', () => {
    const fd = descriptorHolding(
      JSON.stringify({
        WEBSTREAM__GATEWAY__PORT: '9100',
        WEBSTREAM__GATEWAY__BACKEND__TOKEN: 'x'.repeat(40),
      }),
    );
    const { config } = loadConfig({
      argv: ['--config-env-fd', String(fd)],
      env: { WEBSTREAM__GATEWAY__PORT: '9200', WEBSTREAM__SESSIONHOST__PORT: '9300' },
      cwd: tempDir(),
    });
    expect(config.gateway.port).toBe(9100);
    expect(config.gateway.backend.token).toBe('x'.repeat(40));
    expect(config.sessionHost.port).toBe(9300);
    // Loaded again in the same process, the same overrides apply although the descriptor is gone.
    const again = loadConfig({ argv: ['--config-env-fd', String(fd)], env: {}, cwd: tempDir() });
    expect(again.config.gateway.port).toBe(9100);
  });

  it('names the flag when the descriptor holds something else than WEBSTREAM__ strings', () => {
    const fd = descriptorHolding(JSON.stringify({ PATH: '/tmp' }));
    const error = configError(() =>
      loadConfig({ argv: ['--config-env-fd', String(fd)], env: {}, cwd: tempDir() }),
    );
    expect(error.issues[0]?.key).toBe('--config-env-fd');
    expect(error.message).toMatch(/WEBSTREAM__/);
  });

  it('refuses a standard descriptor or a missing number', () => {
    for (const argv of [['--config-env-fd', '0'], ['--config-env-fd']]) {
      expect(configError(() => loadConfig({ argv, env: {}, cwd: tempDir() })).issues[0]?.key).toBe(
        '--config-env-fd',
      );
    }
  });
});
