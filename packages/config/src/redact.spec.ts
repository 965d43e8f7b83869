import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { ConfigError, loadConfig, redactConfig, webstreamConfigSchema } from './index';

function errorText(yaml: string | undefined, env: Record<string, string> = {}): string {
  try {
    loadConfig({ argv: [], env, cwd: tempDir(yaml) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Everything a caller could log: the message and every issue.
    return `${error.message}\n${JSON.stringify(error.issues)}`;
  }
  throw new Error('expected a ConfigError');
}

const PFX_SECRET = 'pfx-Secret-4711';
const MCP_KEY_A = 'mcp-key-a-0123456789abcdef0123456789';
const MCP_KEY_B = 'mcp-key-b-0123456789abcdef0123456789';
const DB_PASSWORD = 'db-Pa55word';
const REDIS_PASSWORD = 'redis-Pa55word';

const secretConfig = webstreamConfigSchema.parse({
  webstreamSettings: { serverPfxCertificateFile: './cert.pfx', serverPfxSecret: PFX_SECRET },
  mcpApiKeys: [
    { name: 'ops', key: MCP_KEY_A },
    { name: 'reports', key: MCP_KEY_B },
  ],
  accessManagement: { databaseUrl: `postgres://iam:${DB_PASSWORD}@db:5432/iam` },
  metricsEngine: {
    databaseUrl: `postgresql://metrics@db:5432/metrics?sslmode=require&password=${DB_PASSWORD}`,
  },
  redis: { url: `rediss://:${REDIS_PASSWORD}@redis:6379/0` },
});

describe('redactConfig', () => {
  const redacted = redactConfig(secretConfig);
  const json = JSON.stringify(redacted);

  it('leaves no secret in its output', () => {
    for (const secret of [PFX_SECRET, MCP_KEY_A, MCP_KEY_B, DB_PASSWORD, REDIS_PASSWORD]) {
      expect(json).not.toContain(secret);
    }
  });

  it("replaces secrets with '[redacted]' and masks URL passwords, keeping everything else", () => {
    expect(redacted).toMatchObject({
      webstreamSettings: { serverPfxCertificateFile: './cert.pfx', serverPfxSecret: '[redacted]' },
      mcpApiKeys: [
        { name: 'ops', key: '[redacted]' },
        { name: 'reports', key: '[redacted]' },
      ],
      accessManagement: { databaseUrl: 'postgres://iam:***@db:5432/iam', mode: 'builtin' },
      metricsEngine: { databaseUrl: 'postgresql://metrics@db:5432/metrics?sslmode=require&password=***' },
      redis: { url: 'rediss://:***@redis:6379/0' },
      gateway: { port: 9000, backend: { gatewayUrl: 'http://localhost:9000' } },
    });
  });

  it('does not change the configuration it is given', () => {
    expect(secretConfig.webstreamSettings.serverPfxSecret).toBe(PFX_SECRET);
    expect(secretConfig.mcpApiKeys[0]?.key).toBe(MCP_KEY_A);
    expect(secretConfig.redis.url).toContain(REDIS_PASSWORD);
  });

  it('leaves absent secrets absent', () => {
    expect(redactConfig(webstreamConfigSchema.parse({}))).toEqual(webstreamConfigSchema.parse({}));
  });
});

describe('ConfigError never echoes a secret', () => {
  it('for an MCP key that is too short', () => {
    const text = errorText('mcpApiKeys:\n  - { name: ops, key: sh0rt-Secret }\n');
    expect(text).toContain('mcpApiKeys[0].key must be a key of at least 32 characters');
    expect(text).not.toContain('sh0rt-Secret');
  });

  it('for a duplicated MCP key', () => {
    const text = errorText(
      `mcpApiKeys:\n  - { name: a, key: ${MCP_KEY_A} }\n  - { name: b, key: ${MCP_KEY_A} }\n`,
    );
    expect(text).toContain('mcpApiKeys[1].key is the same as mcpApiKeys[0].key');
    expect(text).not.toContain(MCP_KEY_A);
  });

  it('for a PFX secret of the wrong type', () => {
    const text = errorText('webstreamSettings:\n  serverPfxSecret: 47114711\n');
    expect(text).toContain('webstreamSettings.serverPfxSecret must be the password of the PFX certificate');
    expect(text).not.toContain('47114711');
  });

  it('for database and Redis URLs with passwords', () => {
    const text = errorText(
      [
        `accessManagement: { databaseUrl: "mysql://iam:${DB_PASSWORD}@db/iam" }`,
        `redis: { url: "http://:${REDIS_PASSWORD}@redis:6379" }`,
      ].join('\n'),
    );
    expect(text).toContain('accessManagement.databaseUrl must be a postgres:// or postgresql:// URL');
    expect(text).toContain('redis.url must be a redis:// or rediss:// URL');
    expect(text).not.toContain(DB_PASSWORD);
    expect(text).not.toContain(REDIS_PASSWORD);
  });

  it('for a secret set from the environment', () => {
    const text = errorText(undefined, { WEBSTREAM__MCPAPIKEYS: '[{name: ops, key: env-Secret-short}]' });
    expect(text).toContain('(from WEBSTREAM__MCPAPIKEYS)');
    expect(text).not.toContain('env-Secret-short');
  });

  it('for a YAML syntax error on the line holding a secret', () => {
    const text = errorText('webstreamSettings:\n  serverPfxSecret: "yaml-Secret-open\n');
    expect(text).toContain('YAML syntax error');
    expect(text).not.toContain('yaml-Secret-open');
  });

  it('for a weight keyed by a URL with a password', () => {
    const text = errorText(
      `gateway:\n  loadBalancing:\n    weights: { "http://u:${DB_PASSWORD}@h:9005": 0 }\n`,
    );
    expect(text).toContain(
      'gateway.loadBalancing.weights["http://u:***@h:9005"] must be a positive whole number',
    );
    expect(text).not.toContain(DB_PASSWORD);
  });
});
