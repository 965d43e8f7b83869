import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trace, TraceFlags } from '@opentelemetry/api';
import { type AuditEvent, type TelemetryBatch, type TelemetryEvent } from '@webstream/contracts';
import { runWithCorrelationId } from '@webstream/service-kit';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REJECTED_DIR, TelemetryClient, type TelemetryClientOptions, type TelemetryLogger } from '../src';
import { IngestRejectedError, IngestTransport } from '../src/transport';
import { FakeEngine, range, sample, values } from './fake-engine';

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

function captureLogger(): { logger: TelemetryLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const push = (level: LogEntry['level']) => (obj: object, msg: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { entries, logger: { info: push('info'), warn: push('warn'), error: push('error') } };
}

async function spoolFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name !== REJECTED_DIR).sort();
}

async function readBatch(file: string): Promise<TelemetryBatch> {
  return JSON.parse(await readFile(file, 'utf8')) as TelemetryBatch;
}

describe('TelemetryClient', () => {
  let spoolDir: string;
  let engine: FakeEngine;
  let log: ReturnType<typeof captureLogger>;
  const clients: TelemetryClient[] = [];

  async function openClient(overrides: Partial<TelemetryClientOptions> = {}): Promise<TelemetryClient> {
    const client = await TelemetryClient.open({
      url: engine.url,
      serviceToken: 'test-token',
      source: 'session-host',
      spoolDir,
      flushIntervalMs: 20,
      requestTimeoutMs: 1_000,
      maxBackoffMs: 100,
      logger: log.logger,
      ...overrides,
    });
    clients.push(client);
    return client;
  }

  /** Starts the engine once to get a free port, then stops it: the engine is down until started again. */
  async function engineDown(): Promise<void> {
    await engine.start();
    await engine.stop();
  }

  beforeEach(async () => {
    spoolDir = await mkdtemp(path.join(tmpdir(), 'telemetry-client-'));
    engine = new FakeEngine();
    log = captureLogger();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await engine.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('sends batches with the source and a Bearer token, at most batchSize events each, in order', async () => {
    await engine.start();
    const client = await openClient({ batchSize: 100, flushIntervalMs: 60_000 });
    for (const i of range(0, 250)) client.record(sample(i));
    await client.flush();

    expect(engine.requests.map((r) => r.batch.events.length)).toEqual([100, 100, 50]);
    for (const request of engine.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/api/ingest');
      expect(request.authorization).toBe('Bearer test-token');
      expect(request.batch.source).toBe('session-host');
      expect(request.batch.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(request.status).toBe(200);
    }
    expect(new Set(engine.requests.map((r) => r.batch.idempotencyKey)).size).toBe(3);
    expect(values(engine.requests.flatMap((r) => r.batch.events))).toEqual(range(0, 250));
    expect(client.stats()).toEqual({
      memoryEvents: 0,
      diskBatches: 0,
      sentEvents: 250,
      rejectedEvents: 0,
      droppedEvents: 0,
    });

    // Nothing buffered: a second flush sends nothing.
    await client.flush();
    expect(engine.requests).toHaveLength(3);
    // The timer never keeps the process alive.
    expect((client as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(false);
  });

  it('stamps what a traced request records with its traceparent, and leaves samples and events outside one alone', async () => {
    await engine.start();
    const client = await openClient({ flushIntervalMs: 60_000 });
    const span = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    });
    const audit = (targetId: string): AuditEvent => ({
      kind: 'audit',
      at: new Date().toISOString(),
      actorId: 'admin',
      action: 'user.update',
      targetType: 'user',
      targetId,
      before: null,
      after: { name: targetId },
    });
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    runWithCorrelationId(
      'traced',
      () => {
        client.record(audit('in-a-trace'));
        client.record({ ...audit('names-its-own'), traceparent: own });
        client.record(sample(1));
      },
      { span },
    );
    client.record(audit('outside'));
    await client.flush();

    const events = engine.requests.flatMap((r) => r.batch.events);
    const traceOf = (targetId: string) =>
      events.find((e): e is AuditEvent => e.kind === 'audit' && e.targetId === targetId)?.traceparent;
    expect(traceOf('in-a-trace')).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(traceOf('names-its-own')).toBe(own);
    expect(traceOf('outside')).toBeUndefined();
    expect(events.find((e) => e.kind === 'sample')).not.toHaveProperty('traceparent');
  });

  it('sends a partial batch on the timer without flush()', async () => {
    await engine.start();
    const client = await openClient({ batchSize: 100, flushIntervalMs: 30 });
    for (const i of range(0, 5)) client.record(sample(i));
    expect(engine.requests).toHaveLength(0);
    // The engine stores a batch before its answer reaches the client: wait for both.
    await vi.waitFor(
      () => {
        expect(values(engine.storedEvents())).toEqual(range(0, 5));
        expect(client.stats().sentEvents).toBe(5);
      },
      { timeout: 60_000 },
    );
  });

  it('buffers 10,000 events while the engine is down, spills to disk, then delivers each exactly once', async () => {
    await engineDown();
    const client = await openClient({ maxMemoryEvents: 1_000, batchSize: 500 });

    const started = performance.now();
    for (const i of range(0, 10_000)) client.record(sample(i));
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(1_000);

    const whileDown = client.stats();
    expect(whileDown.memoryEvents).toBeLessThanOrEqual(1_000);
    expect(whileDown.diskBatches).toBeGreaterThan(0);
    // Everything recorded is somewhere: full batches on disk, the rest in memory.
    expect(whileDown.diskBatches * 500 + whileDown.memoryEvents).toBe(10_000);
    // Spool writes finish in the background; on a loaded CI machine that can take well over waitFor's 1 s default.
    await vi.waitFor(async () => expect(await spoolFiles(spoolDir)).toHaveLength(whileDown.diskBatches), {
      timeout: 60_000,
    });
    expect(engine.requests).toHaveLength(0);

    // The engine comes back; every 4th batch is stored but its answer is "lost" (503), so it is sent again.
    engine.answer = (r) => (r.attempt === 0 && engine.stored.size % 4 === 1 ? 'lost' : 200);
    await engine.start();
    await vi.waitFor(
      () => {
        const s = client.stats();
        expect(s.memoryEvents).toBe(0);
        expect(s.diskBatches).toBe(0);
      },
      { timeout: 60_000, interval: 50 },
    );

    // Deduplicated by key as the engine does: each event exactly once, oldest first.
    expect(values(engine.storedEvents())).toEqual(range(0, 10_000));
    // Every re-send of a key carried the identical events.
    const sentByKey = new Map<string, string[]>();
    for (const r of engine.requests) {
      const list = sentByKey.get(r.batch.idempotencyKey) ?? [];
      list.push(JSON.stringify(r.batch.events));
      sentByKey.set(r.batch.idempotencyKey, list);
    }
    const resent = [...sentByKey.values()].filter((list) => list.length > 1);
    expect(resent.length).toBeGreaterThan(0);
    for (const list of resent) expect(new Set(list).size).toBe(1);
    expect(engine.mismatches).toEqual([]);
    for (const r of engine.requests) expect(r.batch.events.length).toBeLessThanOrEqual(500);

    const after = client.stats();
    expect(after.sentEvents).toBe(10_000);
    expect(after.rejectedEvents).toBe(0);
    expect(after.droppedEvents).toBe(0);
    expect(await spoolFiles(spoolDir)).toEqual([]);
    expect(await readdir(path.join(spoolDir, REJECTED_DIR))).toEqual([]);
  });

  it('retries a batch the engine answered 503 to with the same idempotency key and events', async () => {
    engine.answer = (r) => (r.attempt === 0 ? 503 : 200);
    await engine.start();
    const client = await openClient({ batchSize: 10 });
    for (const i of range(0, 30)) client.record(sample(i));

    await vi.waitFor(
      () => {
        expect(values(engine.storedEvents())).toEqual(range(0, 30));
        expect(client.stats().sentEvents).toBe(30);
      },
      { timeout: 60_000 },
    );
    expect(engine.stored.size).toBe(3);
    for (const key of engine.stored.keys()) {
      const attempts = engine.requests.filter((r) => r.batch.idempotencyKey === key);
      expect(attempts.map((r) => r.status)).toEqual([503, 200]);
      expect(attempts[1]?.batch.events).toEqual(attempts[0]?.batch.events);
    }
    expect(client.stats()).toMatchObject({ sentEvents: 30, memoryEvents: 0, diskBatches: 0 });
    expect(client.stats().lastError).toBeUndefined();
    expect(log.entries.some((e) => e.level === 'warn' && String(e.obj.err).includes('503'))).toBe(true);
  });

  it('close() spools what is in memory, and a new client on the same spoolDir delivers it', async () => {
    await engineDown();
    const first = await openClient({ batchSize: 50, requestTimeoutMs: 500 });
    for (const i of range(0, 120)) first.record(sample(i));
    await first.close();
    await first.close(); // idempotent

    expect(first.stats()).toMatchObject({ memoryEvents: 0, diskBatches: 3, sentEvents: 0 });
    const files = await spoolFiles(spoolDir);
    expect(files).toHaveLength(3);
    const spooled = await Promise.all(files.map((f) => readBatch(path.join(spoolDir, f))));
    expect(values(spooled.flatMap((b) => b.events))).toEqual(range(0, 120));
    for (const batch of spooled) {
      expect(Object.keys(batch).sort()).toEqual(['events', 'idempotencyKey', 'source']);
      expect(batch.source).toBe('session-host');
    }

    // Recording after close() is refused but does not throw.
    expect(() => first.record(sample(999))).not.toThrow();
    expect(first.stats().droppedEvents).toBe(1);

    await engine.start();
    const second = await openClient();
    expect(second.stats().diskBatches).toBe(3);
    await vi.waitFor(
      async () => {
        expect(values(engine.storedEvents())).toEqual(range(0, 120));
        expect(second.stats()).toMatchObject({ sentEvents: 120, diskBatches: 0, memoryEvents: 0 });
        expect(await spoolFiles(spoolDir)).toEqual([]);
      },
      { timeout: 60_000 },
    );
    // The batches kept the keys they were cut with.
    expect([...engine.stored.keys()]).toEqual(spooled.map((b) => b.idempotencyKey));
  });

  it('moves a batch answered 400 to rejected/ and still delivers later batches', async () => {
    engine.answer = (r) => (values(r.batch.events).includes(13) ? 400 : 200);
    await engine.start();
    const client = await openClient({ batchSize: 10, flushIntervalMs: 60_000 });
    for (const i of range(0, 30)) client.record(sample(i));
    await client.flush();

    expect(values(engine.storedEvents())).toEqual([...range(0, 10), ...range(20, 30)]);
    const poisoned = engine.requests.filter((r) => r.status === 400);
    expect(poisoned).toHaveLength(1);
    const rejectedFiles = await readdir(path.join(spoolDir, REJECTED_DIR));
    expect(rejectedFiles).toHaveLength(1);
    const rejected = await readBatch(path.join(spoolDir, REJECTED_DIR, rejectedFiles[0] ?? ''));
    expect(rejected.idempotencyKey).toBe(poisoned[0]?.batch.idempotencyKey);
    expect(values(rejected.events)).toEqual(range(10, 20));
    expect(client.stats()).toMatchObject({
      sentEvents: 20,
      rejectedEvents: 10,
      memoryEvents: 0,
      diskBatches: 0,
    });
    const error = log.entries.find((e) => e.level === 'error');
    expect(error?.obj).toMatchObject({ status: 400, code: 'validation_failed', errorId: 'err-1' });
    expect(error?.obj.fields).toEqual([{ path: 'events.0.value', message: 'poisoned by the test' }]);

    // A rejected batch is never sent again; new data keeps flowing.
    client.record(sample(30));
    await client.flush();
    expect(engine.requests.filter((r) => r.status === 400)).toHaveLength(1);
    expect(values(engine.storedEvents())).toContain(30);
  });

  it('drops and counts an invalid event without throwing', async () => {
    await engine.start();
    const client = await openClient({ flushIntervalMs: 60_000 });
    const invalid = [
      { kind: 'sample', metric: 'no.such.metric', value: 1, at: new Date().toISOString() },
      { kind: 'sample', metric: 'node.cpu', value: 1, at: 'yesterday' },
      null,
      'text',
    ] as unknown as TelemetryEvent[];
    client.record(sample(1));
    for (const event of invalid) expect(() => client.record(event)).not.toThrow();
    client.record(sample(2));

    expect(client.stats()).toMatchObject({ droppedEvents: 4, memoryEvents: 2 });
    const warning = log.entries.find((e) => e.level === 'warn');
    expect(warning?.msg).toContain('invalid telemetry event');
    expect(warning?.obj.issues).toBeInstanceOf(Array);
    await client.flush();
    expect(values(engine.storedEvents())).toEqual([1, 2]);
  });

  it('on 401 keeps the data and backs off without rejecting it; once accepted, the data arrives', async () => {
    let accepting = false;
    engine.answer = () => (accepting ? 200 : 401);
    await engine.start();
    const client = await openClient({ flushIntervalMs: 10, maxBackoffMs: 200 });
    for (const i of range(0, 20)) client.record(sample(i));
    await client.flush();

    expect(engine.requests[0]?.status).toBe(401);
    expect(client.stats()).toMatchObject({ memoryEvents: 20, sentEvents: 0, rejectedEvents: 0 });
    expect(client.stats().lastError).toContain('401');
    expect(log.entries.some((e) => e.level === 'error' && e.obj.status === 401)).toBe(true);

    // Without back-off the 10 ms timer would call about 60 times in 600 ms.
    // Every attempt is logged, including those the open circuit refuses without calling the engine.
    const isAttempt = (e: LogEntry) => e.msg.endsWith('retrying');
    const requestsBefore = engine.requests.length;
    const attemptsBefore = log.entries.filter(isAttempt).length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(engine.requests.length - requestsBefore).toBeLessThan(12);
    const attempts = log.entries.filter(isAttempt).length - attemptsBefore;
    expect(attempts).toBeGreaterThan(0);
    expect(attempts).toBeLessThan(12);
    expect(await readdir(path.join(spoolDir, REJECTED_DIR))).toEqual([]);
    expect(client.stats()).toMatchObject({ memoryEvents: 20, sentEvents: 0 });

    accepting = true;
    await vi.waitFor(
      () => {
        expect(values(engine.storedEvents())).toEqual(range(0, 20));
        expect(client.stats()).toMatchObject({ memoryEvents: 0, sentEvents: 20, rejectedEvents: 0 });
      },
      { timeout: 60_000 },
    );
    expect(client.stats().lastError).toBeUndefined();
  });

  it('reports buffered, sent, rejected and failed counts to a prom-client registry', async () => {
    await engineDown();
    const registry = new Registry();
    const client = await openClient({
      registry,
      maxMemoryEvents: 100,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    for (const i of range(0, 300)) client.record(sample(i));
    await client.flush();

    const gauge = async (location: string): Promise<number | undefined> => {
      const metric = await registry.getSingleMetric('telemetry_client_buffered_events')?.get();
      return metric?.values.find((v) => v.labels.location === location)?.value;
    };
    const counter = async (name: string): Promise<number | undefined> =>
      (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

    expect(((await gauge('memory')) ?? 0) + ((await gauge('disk')) ?? 0)).toBe(300);
    expect(await gauge('disk')).toBeGreaterThan(0);
    expect(await counter('telemetry_client_send_failures_total')).toBeGreaterThanOrEqual(1);

    engine.answer = (r) => (values(r.batch.events).includes(0) ? 400 : 200);
    await engine.start();
    await vi.waitFor(() => expect(client.stats()).toMatchObject({ memoryEvents: 0, diskBatches: 0 }), {
      timeout: 60_000,
    });
    expect(await gauge('memory')).toBe(0);
    expect(await gauge('disk')).toBe(0);
    expect(await counter('telemetry_client_sent_events_total')).toBe(200);
    expect(await counter('telemetry_client_rejected_events_total')).toBe(100);
  });

  it('refuses options that could never work', async () => {
    await expect(openClient({ source: 'Session Host' })).rejects.toThrow(/source/);
    await expect(openClient({ batchSize: 5_001 })).rejects.toThrow(/batchSize/);
    // The configuration's own bounds: telemetry.maxMemoryEvents is at least 100.
    await expect(openClient({ maxMemoryEvents: 99 })).rejects.toThrow(/maxMemoryEvents/);
    await expect(openClient({ url: 'localhost:9009' })).rejects.toThrow(/url/);
  });

  it('refuses a batch that breaks the contract before sending it, naming the field, and never retries it', async () => {
    const sender = new IngestTransport({
      url: engine.url,
      serviceToken: 's'.repeat(32),
      requestTimeoutMs: 5_000,
      breakerResetMs: 1_000,
      name: 'contract check',
    });
    try {
      const invalid = { idempotencyKey: 'contract-0001', events: [] } as unknown as TelemetryBatch;
      const refused = await sender.send(invalid, AbortSignal.timeout(5_000)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(IngestRejectedError);
      expect((refused as IngestRejectedError).body?.fields?.map((field) => field.path)).toContain('events');
      expect(engine.requests).toHaveLength(0);
    } finally {
      sender.shutdown();
    }
  });
});
