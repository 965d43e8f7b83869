// The gateway suite's memory figure: a fresh gateway (memory store) at rest, then holding 10,000 sessions,
// then once they are all released; and what a select costs with them live.
import { setTimeout as sleep } from 'node:timers/promises';
import { count, formatNumber, progress } from '../report';
import { sumSeries } from '../service';
import { collectGarbage, describeMemory, type GatewayMemory, gatewayMemory, mb } from './gateway-process';
import { releaseAll, reserveMany, selectReleaseBursts } from './sessions';
import { BURST_SECONDS, type GatewayStage, HOSTS, MEMORY_SESSIONS } from './stage';

/** Seed 002's ceiling for a gateway's memory, applied at 10,000 sessions. */
export const TARGET_GATEWAY_RSS_MB = 512;

export async function measureMemoryFigure(stage: GatewayStage): Promise<void> {
  const { record, detail } = stage.context;
  const { clients, users, timing, failedCalls, hosts, releaseOn, liveSessions } = stage;
  const { launch, stop } = stage.runs;
  const { selectOn } = stage.seeded;
  const anomaly = stage.anomalies.add;

  // 3. Memory: a fresh gateway (memory store), at rest with the hosts registered, then holding 10,000 sessions.
  // Each reading is taken twice: as the process stands (RSS, the target's figure), then after a full garbage
  // collection in the gateway (SIGUSR2, see collectGarbage), so the heap figures are what it retains, not the
  // garbage a load happened to leave.
  const held = await launch(`gateway (${count(MEMORY_SESSIONS)} sessions)`, { gcOnSignal: true });
  const settle = async (): Promise<{ asIs: GatewayMemory; collected: GatewayMemory }> => {
    await sleep(1_000);
    const asIs = await gatewayMemory(held.gateway);
    await collectGarbage(held.gateway);
    return { asIs, collected: await gatewayMemory(held.gateway) };
  };
  const describeReading = (reading: { asIs: GatewayMemory; collected: GatewayMemory }): string =>
    `${describeMemory(reading.asIs)}; after a full GC ${describeMemory(reading.collected)}`;
  const atRest = await settle();
  progress(`${held.gateway.name} at rest, ${HOSTS} hosts registered: ${describeReading(atRest)}`);
  progress(
    `reserving ${count(MEMORY_SESSIONS)} sessions (${clients} clients, ${users} users, none released)`,
  );
  const reserving = await reserveMany(MEMORY_SESSIONS, clients, selectOn(held.http));
  failedCalls(`reserving ${count(MEMORY_SESSIONS)} sessions`, reserving.failed, reserving.problems);
  progress(
    `  ${count(reserving.sessions)} reserved in ${reserving.seconds.toFixed(1)} s = ${formatNumber(reserving.perSecond)}/s; select p50 ${formatNumber(reserving.firstThousandP50Ms)} ms over the first thousand, ${formatNumber(reserving.lastThousandP50Ms)} ms over the last`,
  );
  const loaded = await settle();
  const perSession = (key: 'rssBytes' | 'heapUsedBytes'): number | undefined => {
    const after = loaded.collected[key];
    const before = atRest.collected[key];
    return after !== undefined && before !== undefined ? (after - before) / MEMORY_SESSIONS : undefined;
  };
  const rssPerSession = perSession('rssBytes')!;
  const heapPerSession = perSession('heapUsedBytes');
  progress(`  with ${count(MEMORY_SESSIONS)} sessions: ${describeReading(loaded)}`);
  progress(
    `  after GC, over at rest: ${formatNumber(rssPerSession)} bytes of RSS and ${formatNumber(heapPerSession ?? Number.NaN)} bytes of heap a session`,
  );
  const live = await liveSessions(held.http);
  if (live !== MEMORY_SESSIONS)
    anomaly(`the gateway lists ${count(live)} live sessions, ${count(MEMORY_SESSIONS)} were reserved`);
  record({
    name: `gateway RSS with ${count(MEMORY_SESSIONS)} sessions reserved (memory store), vs after start`,
    value: mb(loaded.asIs.rssBytes),
    unit: 'MB',
    baseline: {
      name: `the same gateway after start, ${HOSTS} hosts registered`,
      value: mb(atRest.asIs.rssBytes),
    },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS after start, ${HOSTS} hosts registered (baseline)`,
    value: mb(atRest.asIs.rssBytes),
    unit: 'MB',
  });
  record({
    name: `gateway RSS after a full GC with ${count(MEMORY_SESSIONS)} sessions reserved, vs after start and GC`,
    value: mb(loaded.collected.rssBytes),
    unit: 'MB',
    baseline: { name: 'the same gateway after start, after a full GC', value: mb(atRest.collected.rssBytes) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS growth per reserved session (${count(MEMORY_SESSIONS)} sessions, after GC)`,
    value: rssPerSession,
    unit: 'bytes',
  });
  if (
    heapPerSession !== undefined &&
    loaded.collected.heapUsedBytes !== undefined &&
    atRest.collected.heapUsedBytes !== undefined
  ) {
    record({
      name: `gateway V8 heap used after a full GC with ${count(MEMORY_SESSIONS)} sessions reserved, vs at rest`,
      value: mb(loaded.collected.heapUsedBytes),
      unit: 'MB',
      baseline: { name: 'the same gateway after start', value: mb(atRest.collected.heapUsedBytes) },
    });
    record({
      name: `gateway heap retained per reserved session (${count(MEMORY_SESSIONS)} sessions, after GC)`,
      value: heapPerSession,
      unit: 'bytes',
    });
  }

  // What a select costs once the store holds 10,000 sessions (bursts on top of them, released after), then,
  // on the same process, once every session is released again.
  const burstsOn = (label: string) =>
    selectReleaseBursts({
      label,
      ...timing,
      burstSeconds: BURST_SECONDS,
      service: held.gateway,
      select: selectOn(held.http),
      release: releaseOn(held.http),
    });
  const crowded = await burstsOn(
    `session select + release with ${count(MEMORY_SESSIONS)} sessions live (memory store)`,
  );
  failedCalls(crowded.label, crowded.failed, crowded.problems);
  progress(`releasing the ${count(MEMORY_SESSIONS)} sessions`);
  const releasing = await releaseAll(reserving.sessionIds, clients, releaseOn(held.http));
  failedCalls(`releasing ${count(MEMORY_SESSIONS)} sessions`, releasing.failed, releasing.problems);
  progress(
    `  released in ${releasing.seconds.toFixed(1)} s = ${formatNumber(releasing.perSecond)}/s; the gateway lists ${count(await liveSessions(held.http))} live sessions`,
  );
  const emptied = await burstsOn('session select + release, every other session released (memory store)');
  failedCalls(emptied.label, emptied.failed, emptied.problems);
  record({
    name: `session select with ${count(MEMORY_SESSIONS)} other sessions live (memory store), ${clients} clients, vs none live (same process)`,
    value: crowded.select.perSecond,
    unit: 'selections/s',
    baseline: { name: 'the same once every session is released', value: emptied.select.perSecond },
  });
  // The memory store keeps each released session's record for ENDED_SESSION_RETENTION_SECONDS (an hour), so
  // that a reconnect can learn how it ended: what that costs the heap once every session is released.
  const released = await settle();
  // Every session this gateway ever reserved has been released: its count of reservations is theirs.
  const endedRecords = sumSeries(await held.gateway.scrape(), 'gateway_session_selections_total', {
    outcome: 'reserved',
  });
  const heapPerEnded =
    released.collected.heapUsedBytes !== undefined && atRest.collected.heapUsedBytes !== undefined
      ? (released.collected.heapUsedBytes - atRest.collected.heapUsedBytes) / endedRecords
      : undefined;
  progress(
    `  after releasing everything (${count(endedRecords)} ended sessions): ${describeReading(released)}`,
  );
  if (heapPerEnded !== undefined) {
    record({
      name: `gateway heap still held per released session, ${count(endedRecords)} released and none live (memory store, after GC)`,
      value: heapPerEnded,
      unit: 'bytes',
    });
  }
  detail('memoryFigure', {
    atRest,
    loaded,
    rssPerSession,
    heapPerSession,
    reserving: { ...reserving, sessionIds: undefined },
    crowded,
    releasing,
    emptied,
    released,
    endedRecords,
    heapPerEnded,
  });
  detail('hostProbes', hosts.probes);
  await stop(held.gateway, held.http);
}
