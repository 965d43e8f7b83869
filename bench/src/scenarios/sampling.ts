// Readings taken while a load runs (sockets open, the gateway's memory), and the trend of a series of them.
import { setTimeout as sleep } from 'node:timers/promises';
import { collectGarbage, type GatewayMemory, gatewayMemory } from '../gateway/gateway-process';
import { type ServiceProcess } from '../service';

/** Runs `sample` every `intervalMs` (the first at once) until `load` settles; answers what `load` does. */
export async function sampling<T>(
  load: Promise<T>,
  intervalMs: number,
  sample: () => Promise<void>,
): Promise<T> {
  let settled = false;
  const sampler = (async (): Promise<void> => {
    while (!settled) {
      const t0 = performance.now();
      await sample();
      const left = intervalMs - (performance.now() - t0);
      if (left > 0 && !settled)
        await Promise.race([
          sleep(left),
          load.then(
            () => undefined,
            () => undefined,
          ),
        ]);
    }
  })();
  try {
    return await load;
  } finally {
    settled = true;
    await sampler;
  }
}

/** A gateway's memory as it stands and after a full GC (it must run with gcOnSignal), at `seconds` into a run. */
export interface MemorySample {
  seconds: number;
  asIs: GatewayMemory;
  collected: GatewayMemory;
}

export async function memorySample(gateway: ServiceProcess, seconds: number): Promise<MemorySample> {
  const asIs = await gatewayMemory(gateway);
  await collectGarbage(gateway);
  return { seconds, asIs, collected: await gatewayMemory(gateway) };
}

/** The least-squares slope of y over x; NaN with fewer than two distinct x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - meanX) * (p.y - meanY);
    den += (p.x - meanX) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}
