import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { ConfigError, loadConfig, type LoadedConfig } from './index';

function loadYaml(yaml: string, env: Record<string, string> = {}): LoadedConfig & { file: string } {
  const dir = tempDir();
  const file = path.join(dir, 'webstream.config.yaml');
  fs.writeFileSync(file, yaml);
  return { ...loadConfig({ argv: [], env, cwd: dir }), file };
}

function errorFor(yaml: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadYaml(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function messages(yaml: string): string[] {
  return errorFor(yaml).issues.map((issue) => issue.message);
}

describe('validation messages name the key and the rule', () => {
  it.each([
    ['gateway:\n  port: 0', 'gateway.port'],
    ['gateway:\n  port: 65536', 'gateway.port'],
    ['gateway:\n  port: 90.5', 'gateway.port'],
    ['gateway:\n  port: "9000"', 'gateway.port'],
    ['gateway:\n  httpsPort: -1', 'gateway.httpsPort'],
    ['sessionHost:\n  port: 70000', 'sessionHost.port'],
    ['accessManagement:\n  port: 0', 'accessManagement.port'],
    ['metricsEngine:\n  httpPort: 1e6', 'metricsEngine.httpPort'],
    ['embeddedDatabase:\n  port: 0', 'embeddedDatabase.port'],
  ])('port range: %j', (yaml, key) => {
    expect(errorFor(yaml).issues).toEqual([
      { key, message: `${key} must be an integer between 1 and 65535` },
    ]);
  });

  it('accepts the port limits 1 and 65535', () => {
    expect(loadYaml('gateway:\n  port: 1\n  httpsPort: 65535').config.gateway).toMatchObject({
      port: 1,
      httpsPort: 65535,
    });
  });

  it('health check timeout must be at least 1 s', () => {
    expect(errorFor('gateway:\n  healthCheck:\n    timeout: 0.5').issues).toEqual([
      { key: 'gateway.healthCheck.timeout', message: 'gateway.healthCheck.timeout must be at least 1 s' },
    ]);
    expect(messages('gateway:\n  healthCheck:\n    timeout: soon')).toEqual([
      'gateway.healthCheck.timeout must be a number of seconds',
    ]);
  });

  it('other durations and counts', () => {
    expect(
      messages(
        [
          'gateway:',
          '  loadBalancing: { sessionAffinityTimeout: 0 }',
          '  healthCheck: { interval: 0, failureThreshold: 2.5, successThreshold: 0 }',
          '  backend: { heartbeatInterval: -1 }',
          'sessionHost: { maxSessions: 0 }',
        ].join('\n'),
      ),
    ).toEqual([
      'gateway.loadBalancing.sessionAffinityTimeout must be at least 1 s',
      'gateway.healthCheck.interval must be at least 1 s',
      'gateway.healthCheck.failureThreshold must be a whole number',
      'gateway.healthCheck.successThreshold must be at least 1',
      'gateway.backend.heartbeatInterval must be at least 1 s',
      'sessionHost.maxSessions must be at least 1',
    ]);
  });

  it('load balancing strategy must be one of the three', () => {
    expect(errorFor('gateway:\n  loadBalancing:\n    strategy: Random').issues).toEqual([
      {
        key: 'gateway.loadBalancing.strategy',
        message: 'gateway.loadBalancing.strategy must be one of RoundRobin, LeastConnections, Weighted',
      },
    ]);
  });

  it('other enums', () => {
    expect(messages('accessManagement: { mode: cloud }\nlogging: { level: verbose }')).toEqual([
      'accessManagement.mode must be one of builtin, standalone, external',
      'logging.level must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('frame ancestors must be CSP sources, and metrics.bearerToken a long token', () => {
    expect(messages(`gateway:\n  frameAncestors: ["https://a.example.com; script-src *"]`)).toEqual([
      "gateway.frameAncestors[0] must be a CSP source such as 'self' or https://portal.example.com",
    ]);
    expect(messages('gateway:\n  frameAncestors: []')).toEqual([
      "gateway.frameAncestors must name at least one source; 'none' for nobody",
    ]);
    expect(
      loadYaml(`gateway:\n  frameAncestors: ["'self'", "https://portal.example.com:8443"]`).config.gateway
        .frameAncestors,
    ).toEqual(["'self'", 'https://portal.example.com:8443']);
    expect(messages('metrics:\n  bearerToken: "short"')).toEqual([
      'metrics.bearerToken must be a token of at least 32 characters',
    ]);
  });

  it('an unknown key is an error, with the likely intended key', () => {
    expect(errorFor('gateway:\n  prot: 9000').issues).toEqual([
      { key: 'gateway.prot', message: 'gateway.prot is not a known key (did you mean port?)' },
    ]);
    expect(messages('gateway:\n  Port: 9000')).toEqual([
      'gateway.Port is not a known key (did you mean port?)',
    ]);
    expect(messages('gateway:\n  healthCheck:\n    intervall: 5')).toEqual([
      'gateway.healthCheck.intervall is not a known key (did you mean interval?)',
    ]);
  });

  it('an unknown key with nothing close lists the known keys', () => {
    expect(messages('streamer:\n  zzz: 1')).toEqual([
      'streamer.zzz is not a known key (known keys: basePort, captureSource, frameRate, width, height, jpegQuality, maxBufferedBytes, glx, telemetryInterval)',
    ]);
    expect(messages('gatewy:\n  port: 1')).toEqual([
      expect.stringMatching(/^gatewy is not a known key \(did you mean gateway\?\)$/),
    ]);
  });

  it('an unknown key left empty is still an error', () => {
    expect(messages('gateway:\n  prot:')).toEqual(['gateway.prot is not a known key (did you mean port?)']);
  });

  it('a section that is not a mapping', () => {
    expect(messages('gateway: 5')).toEqual(['gateway must be a mapping of keys to values']);
  });

  it('accessManagement.url is required in standalone and external mode', () => {
    expect(errorFor('accessManagement:\n  mode: standalone').issues).toEqual([
      {
        key: 'accessManagement.url',
        message:
          'accessManagement.url is required when accessManagement.mode is standalone (it is where the gateway reaches the Access Management service)',
      },
    ]);
    expect(messages('accessManagement:\n  mode: external')[0]).toMatch(
      /^accessManagement\.url is required when accessManagement\.mode is external/,
    );
    expect(loadYaml('accessManagement:\n  mode: builtin').config.accessManagement.url).toBeUndefined();
  });

  it('the PFX secret is required when the PFX file is set', () => {
    expect(errorFor('webstreamSettings:\n  serverPfxCertificateFile: ./cert.pfx').issues).toEqual([
      {
        key: 'webstreamSettings.serverPfxSecret',
        message:
          'webstreamSettings.serverPfxSecret is required when webstreamSettings.serverPfxCertificateFile is set',
      },
    ]);
    const ok = loadYaml("webstreamSettings:\n  serverPfxCertificateFile: ./cert.pfx\n  serverPfxSecret: ''");
    expect(ok.config.webstreamSettings).toEqual({
      serverPfxCertificateFile: './cert.pfx',
      serverPfxSecret: '',
    });
  });

  it('an MCP key must be at least 32 characters', () => {
    expect(errorFor('mcpApiKeys:\n  - { name: ops, key: too-short-key }').issues).toEqual([
      { key: 'mcpApiKeys[0].key', message: 'mcpApiKeys[0].key must be a key of at least 32 characters' },
    ]);
    expect(messages('mcpApiKeys:\n  - { name: ops }')).toEqual(['mcpApiKeys[0].key is required']);
    const key = 'k'.repeat(32);
    expect(loadYaml(`mcpApiKeys:\n  - { name: ops, key: ${key} }`).config.mcpApiKeys).toEqual([
      { name: 'ops', key },
    ]);
  });

  it('MCP key names must be unique, and so must the keys', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    expect(
      errorFor(`mcpApiKeys:\n  - { name: ops, key: ${a} }\n  - { name: ops, key: ${b} }`).issues,
    ).toEqual([
      {
        key: 'mcpApiKeys[1].name',
        message: 'mcpApiKeys[1].name duplicates mcpApiKeys[0].name ("ops"); names must be unique',
      },
    ]);
    expect(messages(`mcpApiKeys:\n  - { name: ops, key: ${a} }\n  - { name: bi, key: ${a} }`)).toEqual([
      'mcpApiKeys[1].key is the same as mcpApiKeys[0].key; give each client its own key',
    ]);
  });

  it('URLs must use the right scheme', () => {
    expect(
      messages(
        [
          'gateway: { backend: { gatewayUrl: "gateway:9000" } }',
          'sessionHost: { serverUrl: "ftp://host" }',
          'accessManagement: { databaseUrl: "mysql://db/iam" }',
          'metricsEngine: { url: "localhost:9009" }',
          'redis: { url: "http://redis:6379" }',
        ].join('\n'),
      ),
    ).toEqual([
      'gateway.backend.gatewayUrl must be an http:// or https:// URL such as http://gateway.internal:9000',
      'sessionHost.serverUrl must be an http:// or https:// URL such as http://10.0.1.5:9005',
      'accessManagement.databaseUrl must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database',
      'metricsEngine.url must be an http:// or https:// URL such as http://metrics.internal:9009',
      'redis.url must be a redis:// or rediss:// URL such as redis://redis:6379',
    ]);
  });

  it('addresses, proxies and weights', () => {
    expect(
      messages(
        [
          'gateway:',
          '  publicIP: 999.1.1.1',
          '  trustedProxies: [10.0.0.0/33]',
          '  loadBalancing:',
          '    weights: { "http://a:9005": 0, "not a url": 1 }',
        ].join('\n'),
      ),
    ).toEqual([
      'gateway.publicIP must be an IP address (such as 0.0.0.0) or a host name',
      'gateway.trustedProxies[0] must be an IP address or CIDR range such as 10.0.0.0/8',
      'gateway.loadBalancing.weights["http://a:9005"] must be a positive whole number',
      `gateway.loadBalancing.weights has a key "not a url" that is not an http:// or https:// URL (weights are keyed by a session host's serverUrl)`,
    ]);
  });

  it('a host is gone only after more than one heartbeat interval of silence', () => {
    expect(messages('gateway:\n  backend:\n    heartbeatInterval: 30\n    heartbeatTimeout: 30')).toEqual([
      'gateway.backend.heartbeatTimeout must be longer than gateway.backend.heartbeatInterval (30 s), or every host would count as gone between two heartbeats',
    ]);
    expect(messages('gateway:\n  backend:\n    token: short')).toEqual([
      'gateway.backend.token must be a token of at least 32 characters',
    ]);
  });

  it('streamer ports must fit above the base port and clear of the session host', () => {
    expect(messages('streamer: { basePort: 65530 }')).toEqual([
      'streamer.basePort leaves no room for sessionHost.maxSessions (10) streamers: the last streamer port would be 65539, above 65535',
    ]);
    expect(messages('streamer: { basePort: 9000 }')).toEqual([
      'streamer.basePort puts the streamer ports 9000-9009 over sessionHost.port (9005); they share the session host',
    ]);
  });
});

describe('ConfigError', () => {
  it('lists every issue, one per line, under a heading naming the file', () => {
    const error = errorFor('gateway:\n  port: 0\n  prot: 1\n  loadBalancing: { strategy: Random }\n');
    const file = error.message.split('\n')[0] ?? '';
    expect(file).toMatch(/^Invalid WebStream configuration from file .*webstream\.config\.yaml:$/);
    expect(error.issues).toHaveLength(3);
    expect(error.message.split('\n').slice(1)).toEqual([
      '  - gateway.port must be an integer between 1 and 65535 (line 2)',
      '  - gateway.loadBalancing.strategy must be one of RoundRobin, LeastConnections, Weighted (line 4)',
      '  - gateway.prot is not a known key (did you mean port?) (line 3)',
    ]);
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
    expect(Object.isFrozen(error.issues)).toBe(true);
  });

  it('says "defaults" when there was no file', () => {
    const dir = tempDir();
    try {
      loadConfig({ argv: [], env: { WEBSTREAM__GATEWAY__PORT: '0' }, cwd: dir });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message.split('\n')[0]).toBe(
        `Invalid WebStream configuration from defaults (no file at ${path.join(dir, 'webstream.config.yaml')}) with environment overrides WEBSTREAM__GATEWAY__PORT:`,
      );
    }
  });
});
