// Entitlement resolution with no HTTP hop, as the gateway's builtin mode does it: IamModule (the built dist)
// booted in a Nest application context inside the bench process, and EntitlementResolver.resolve() called
// in a tight loop. The bench defines no decorated class (tsx emits no decorator metadata): the host module is
// a plain dynamic module around the real, compiled ones.
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { type EntitlementResolver } from '@webstream/iam';
import { count, formatNumber, progress } from '../report';
import { type CpuUse, describeCpu, measureCpu } from './load';

export interface InProcessOptions {
  label: string;
  databaseUrl: string;
  tokenSigningKey: string;
  admin: { username: string; password: string };
  /** 0 turns the cache off; unset, the configuration's default. */
  entitlementCacheTtl?: number;
  metricsEngine: { url: string; serviceToken: string };
  workDir: string;
}

export interface InProcessIam {
  resolver: EntitlementResolver;
  /** Its Prometheus text (the registry ServiceKitModule gives the context), e.g. IAM's resolution counter. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** Boots ServiceKitModule + IamModule.forRoot(config) as an application context (no HTTP listener). */
export async function bootInProcess(options: InProcessOptions): Promise<InProcessIam> {
  // Loaded here, not at the top: only this suite needs Nest, and reflect-metadata must come before any
  // decorated class of the dist is evaluated.
  await import('reflect-metadata');
  const { NestFactory } = await import('@nestjs/core');
  const { webstreamConfigSchema } = await import('@webstream/config');
  const { EntitlementResolver, IamModule } = await import('@webstream/iam');
  const { METRICS_REGISTRY, ServiceKitModule } = await import('@webstream/service-kit');

  const spool = options.label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const config = webstreamConfigSchema.parse({
    // pino writes to the bench's stdout (which carries the table): errors only.
    logging: { level: 'error' },
    accessManagement: {
      databaseUrl: options.databaseUrl,
      tokenSigningKey: options.tokenSigningKey,
      bootstrapAdmin: {
        ...options.admin,
        credentialsFile: join(options.workDir, `credentials-${spool}.txt`),
      },
      ...(options.entitlementCacheTtl !== undefined
        ? { entitlementCacheTtl: options.entitlementCacheTtl }
        : {}),
    },
    metricsEngine: options.metricsEngine,
    telemetry: { spoolDir: join(options.workDir, `spool-${spool}`) },
  });
  const t0 = performance.now();
  // Nest's own logger writes warnings to stdout too: errors only (they go to stderr).
  const context: INestApplicationContext = await NestFactory.createApplicationContext(
    {
      module: class BenchHost {},
      imports: [
        ServiceKitModule.forRoot({ service: 'iam-bench', config }),
        IamModule.forRoot(config, 'bench IAM'),
      ],
    },
    { logger: ['error'], abortOnError: false },
  );
  progress(
    `${options.label}: IamModule booted in the bench process in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const registry = context.get<symbol, { metrics(): Promise<string> }>(METRICS_REGISTRY);
  return {
    resolver: context.get(EntitlementResolver),
    scrape: () => registry.metrics(),
    close: () => context.close(),
  };
}

export interface TightLoopResult {
  label: string;
  loops: number;
  calls: number;
  seconds: number;
  perSecond: number;
  refused: number;
  cpu: CpuUse;
}

/**
 * `loops` concurrent loops (as many requests at once as the HTTP clients), each awaiting resolve() of the
 * next user over and over: a warm-up, then the measured time. Every answer must be `entitled: true`.
 */
export async function resolveLoop(
  resolver: EntitlementResolver,
  options: {
    label: string;
    loops: number;
    warmupSeconds: number;
    seconds: number;
    /** The user of loop l's k-th call. */
    userOf: (loop: number, k: number) => string;
    workspaceId: string;
    appId: string;
  },
): Promise<TightLoopResult> {
  const { userOf, workspaceId, appId, loops } = options;
  let refused = 0;
  let firstRefusal = '';
  const next = Array.from({ length: loops }, () => 0);
  const run = async (seconds: number): Promise<number> => {
    const deadline = performance.now() + seconds * 1000;
    let calls = 0;
    const loop = async (l: number): Promise<void> => {
      while (performance.now() < deadline) {
        // 16 calls between clock reads, so reading the clock costs nothing next to a cached answer.
        for (let j = 0; j < 16; j += 1) {
          const answer = await resolver.resolve(userOf(l, next[l]!), workspaceId, appId);
          next[l] = next[l]! + 1;
          calls += 1;
          if (!answer.entitled) {
            refused += 1;
            firstRefusal ||= `${answer.reason}: ${answer.message}`;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: loops }, (_, l) => loop(l)));
    return calls;
  };
  progress(
    `${options.label}: ${loops} loops, ${options.warmupSeconds} s warm-up + ${options.seconds} s measured`,
  );
  await run(options.warmupSeconds);
  const { result, cpu } = await measureCpu(undefined, async () => {
    const t0 = performance.now();
    const calls = await run(options.seconds);
    return { calls, seconds: (performance.now() - t0) / 1000 };
  });
  if (refused > 0) {
    throw new Error(`${options.label}: ${count(refused)} resolutions refused (first: ${firstRefusal})`);
  }
  const out: TightLoopResult = {
    label: options.label,
    loops,
    calls: result.calls,
    seconds: result.seconds,
    perSecond: result.calls / result.seconds,
    refused,
    cpu,
  };
  progress(
    `  ${count(out.calls)} in ${out.seconds.toFixed(2)} s = ${formatNumber(out.perSecond)}/s (${formatNumber((out.seconds * 1e6 * loops) / out.calls)} µs a call per loop)`,
  );
  progress(`  ${describeCpu(cpu)}`);
  return out;
}
