// bench/gateway: session selections and releases per second, and licence check-ins per second, on one gateway
// with its state in memory and then in Redis, each against a bare GET /gateway/health on the same process;
// and the gateway's memory with 10,000 sessions reserved. The real gateway (built-in IAM) runs as a child
// process on a fresh database; the session hosts are stand-ins in the bench process.
import { type Suite, type SuiteContext } from '../suite';
import { measureMemoryFigure } from './memory-figure';
import { setUpGateway } from './stage';
import { measureRedisStore, measureStore, recordStore } from './stores';

async function run(context: SuiteContext): Promise<void> {
  const { detail } = context;
  const stage = await setUpGateway(context);
  const { memory, runs, anomalies } = stage;
  const memoryRun = await measureStore(stage, 'memory', memory.gateway, memory.http);
  detail('memoryStore', memoryRun);
  recordStore(stage, memoryRun);
  await runs.stop(memory.gateway, memory.http);

  await measureRedisStore(stage, memoryRun);
  await measureMemoryFigure(stage);

  anomalies.conclude('every call got the expected answer, nothing logged at warn or above');
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  description:
    'gateway: session selects and releases/s and licence check-ins/s (memory and Redis store) vs GET /gateway/health, RSS at 10,000 sessions',
  run,
};
