import { type WebstreamConfig } from '@webstream/config';

export type Role = 'gateway' | 'session-host' | 'streamer-agent' | 'metrics-engine' | 'iam';

export interface RoleDefinition {
  role: Role;
  /** Seed 001's command-line flags; the streamer is the role with none. */
  flags: readonly string[];
  /** The app's entry, as its package exports it (the CLI depends on every app it starts, so turbo builds them first). */
  entry: string;
  port(config: WebstreamConfig): number;
  /** How long it may take to stop after SIGTERM before it is killed (a session host drains its sessions first). */
  stopGraceSeconds(config: WebstreamConfig): number;
  /**
   * It registers with the gateway as it starts: started together with one, it waits until the gateway is ready,
   * or its first registration fails and the next is a retry interval (30 s) away.
   */
  registersWithGateway?: true;
}

const STOP_GRACE_SECONDS = 30;

export const ROLES: readonly RoleDefinition[] = [
  {
    role: 'gateway',
    flags: ['-gw', '-gateway'],
    entry: '@webstream/gateway/dist/main.js',
    port: (c) => c.gateway.port,
    stopGraceSeconds: () => STOP_GRACE_SECONDS,
  },
  {
    role: 'session-host',
    flags: ['-be', '-backend'],
    entry: '@webstream/session-host/dist/main.js',
    port: (c) => c.sessionHost.port,
    // Killed mid-drain, it could not end its streamers: it gets the drain and the rest of a shutdown.
    stopGraceSeconds: (c) => c.sessionHost.drainTimeout + STOP_GRACE_SECONDS,
    registersWithGateway: true,
  },
  {
    role: 'metrics-engine',
    flags: ['-me', '-metricsengine'],
    entry: '@webstream/metrics-engine/dist/main.js',
    port: (c) => c.metricsEngine.httpPort,
    stopGraceSeconds: () => STOP_GRACE_SECONDS,
  },
  {
    role: 'iam',
    flags: ['-am'],
    entry: '@webstream/iam-host/dist/main.js',
    port: (c) => c.accessManagement.port,
    stopGraceSeconds: () => STOP_GRACE_SECONDS,
  },
  {
    role: 'streamer-agent',
    flags: [],
    entry: '@webstream/streamer-agent/dist/main.js',
    port: (c) => c.streamer.basePort,
    stopGraceSeconds: () => STOP_GRACE_SECONDS,
  },
];

/**
 * The order `webstream` stops its roles in, wave by wave: session hosts first, while the gateway can still hear
 * their sessions end and the metrics engine still takes their last telemetry; then the gateway, whose final
 * flush the engine takes; the engine and IAM last. Roles of one wave stop together.
 */
const STOP_WAVE: Record<Role, number> = {
  'session-host': 0,
  'streamer-agent': 0,
  gateway: 1,
  iam: 2,
  'metrics-engine': 2,
};

/** `items` grouped into stop waves by their role, first wave first; empty waves left out. */
export function stopWaves<Item extends { role: Role }>(items: readonly Item[]): Item[][] {
  const waves: Item[][] = [];
  for (const item of items) (waves[STOP_WAVE[item.role]] ??= []).push(item);
  return waves.filter((wave) => wave !== undefined);
}

export function roleDefinition(role: Role): RoleDefinition {
  const found = ROLES.find((definition) => definition.role === role);
  if (!found) throw new Error(`unknown role ${role}`);
  return found;
}

/** The proof-of-concept topology: gateway (IAM built in unless configured otherwise), a session host, the metrics engine. */
export function allInOneRoles(config: WebstreamConfig): Role[] {
  const roles: Role[] = ['metrics-engine', 'gateway', 'session-host'];
  if (config.accessManagement.mode === 'standalone') roles.unshift('iam');
  return roles;
}

/** Roles whose database URL `webstream all` fills in from the embedded server when none is configured. */
export const DATABASES = [
  {
    name: 'webstream_iam',
    key: 'accessManagement.databaseUrl',
    env: 'WEBSTREAM__ACCESSMANAGEMENT__DATABASEURL',
    configured: (c: WebstreamConfig) => c.accessManagement.databaseUrl,
    needed: (roles: readonly Role[], c: WebstreamConfig) =>
      roles.includes('iam') || (roles.includes('gateway') && c.accessManagement.mode === 'builtin'),
  },
  {
    name: 'webstream_metrics',
    key: 'metricsEngine.databaseUrl',
    env: 'WEBSTREAM__METRICSENGINE__DATABASEURL',
    configured: (c: WebstreamConfig) => c.metricsEngine.databaseUrl,
    needed: (roles: readonly Role[]) => roles.includes('metrics-engine'),
  },
] as const;
