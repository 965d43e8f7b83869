import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { webstreamConfigSchema } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService } from '@webstream/service-kit/testing';
import { type PinoLogger } from 'nestjs-pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ELEVATED_NICE, GatewayPriority } from '../src/priority/gateway-priority';
import { PriorityModule } from '../src/priority/priority.module';

/** The nice value of the calling thread, as the kernel reports it (stat(5) field 19). */
function niceOfThisThread(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const config = (elevateGatewayPriority: boolean) =>
  webstreamConfigSchema.parse({ logging: { level: 'silent' }, gateway: { elevateGatewayPriority } });

describe('gateway.elevateGatewayPriority', () => {
  const before = getPriority(0);
  afterEach(() => setPriority(0, before));

  async function boot(elevate: boolean): Promise<number> {
    const gateway = await startTestService({
      module: class PriorityTestHost {},
      imports: [ServiceKitModule.forRoot({ service: 'gateway', config: config(elevate) }), PriorityModule],
    });
    await gateway.close();
    return niceOfThisThread();
  }

  it('leaves the priority alone when off (the default)', async () => {
    expect(await boot(false)).toBe(before);
  });

  it('raises the process to nice −10 where it may (as root here), else runs on at its own', async () => {
    expect(before).toBeGreaterThan(ELEVATED_NICE);
    expect(await boot(true)).toBe(process.getuid?.() === 0 ? ELEVATED_NICE : before);
  });

  it('warns, naming the key, and runs on where it may not', () => {
    const warnings: string[] = [];
    const logger = {
      setContext: () => undefined,
      warn: (_: unknown, message: string) => warnings.push(message),
    };
    const refusing = {
      get: () => 0,
      set: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    new GatewayPriority(config(true), refusing, logger as unknown as PinoLogger).onApplicationBootstrap();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^gateway\.elevateGatewayPriority is true, but .* nice -10 .*CAP_SYS_NICE/);
  });
});
