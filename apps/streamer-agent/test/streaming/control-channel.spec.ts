import { EventEmitter } from 'node:events';
import { type ControlClientMessage, defaultPolicy, type StreamerLaunch } from '@webstream/contracts';
import { type PinoLogger } from 'nestjs-pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type WebSocket } from 'ws';
import { type PolicyClock } from '../../src/policy/policy-clock';
import { type Refusals } from '../../src/policy/refusals';
import { type SessionMedia } from '../../src/session/session-media';
import { ClientHub } from '../../src/streaming/client-hub';
import { ControlChannel, defaultControlRateLimits } from '../../src/streaming/control-channel';
import { type StreamerTelemetry } from '../../src/telemetry/streamer-telemetry';

const { input: inputLimit, expensive: expensiveLimit } = defaultControlRateLimits.buckets;
const { windowMs } = defaultControlRateLimits;

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Record<string, unknown>[] = [];

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }

  message(message: ControlClientMessage | string): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.emit('message', Buffer.from(text), false);
  }

  notices(): Record<string, unknown>[] {
    return this.sent.filter((message) => message.type === 'notice');
  }

  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

function setup() {
  const input = {
    key: vi.fn(),
    pointer: vi.fn(),
    wheel: vi.fn(),
    setClipboard: vi.fn(() => Promise.resolve()),
    onClipboard: vi.fn(),
  };
  const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() };
  const launch = { contract: { policy: defaultPolicy } } as unknown as StreamerLaunch;
  const channel = new ControlChannel(
    launch,
    { media: { input } } as unknown as SessionMedia,
    new ClientHub(),
    { inputSeen: vi.fn() } as unknown as PolicyClock,
    { refuse: vi.fn() } as unknown as Refusals,
    { input: vi.fn() } as unknown as StreamerTelemetry,
    logger as unknown as PinoLogger,
  );
  const connect = (): FakeSocket => {
    const socket = new FakeSocket();
    channel.accept(socket as unknown as WebSocket);
    return socket;
  };
  return { input, logger, connect };
}

const clipboard = (data: string): ControlClientMessage => ({
  type: 'clipboard',
  mimeType: 'text/plain',
  data,
});
const move = (x: number, y: number): ControlClientMessage => ({
  type: 'pointer',
  action: 'move',
  x,
  y,
  button: 0,
  buttons: 0,
});

describe('the control channel rate limit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops clipboard writes over budget, tells the client once per window and logs the drops once', () => {
    const { input, logger, connect } = setup();
    const socket = connect();

    for (let i = 0; i < 100; i += 1) socket.message(clipboard(`paste ${i}`));
    expect(input.setClipboard).toHaveBeenCalledTimes(expensiveLimit.burst);
    expect(input.setClipboard).toHaveBeenLastCalledWith(`paste ${expensiveLimit.burst - 1}`);
    expect(socket.notices()).toEqual([
      { type: 'notice', kind: 'policy-refusal', message: expect.any(String) },
    ]);
    expect(logger.warn).not.toHaveBeenCalled();

    // Still the same window: the refilled budget is spent again, and the client is not told again.
    vi.advanceTimersByTime(windowMs / 2);
    for (let i = 0; i < 100; i += 1) socket.message(clipboard('again'));
    const refilled = Math.min(expensiveLimit.burst, (expensiveLimit.perSecond * windowMs) / 2 / 1_000);
    expect(input.setClipboard).toHaveBeenCalledTimes(expensiveLimit.burst + refilled);
    expect(socket.notices()).toHaveLength(1);
    expect(logger.warn).not.toHaveBeenCalled();

    // The window ends: one log line counts everything it dropped.
    vi.advanceTimersByTime(windowMs / 2);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ dropped: { input: 0, expensive: 200 - expensiveLimit.burst - refilled } }),
      expect.any(String),
    );

    // A new window: one more notice, and the socket's close reports what it dropped.
    for (let i = 0; i < 100; i += 1) socket.message(clipboard('more'));
    expect(socket.notices()).toHaveLength(2);
    socket.close();
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith(
      expect.objectContaining({ dropped: { input: 0, expensive: 100 - expensiveLimit.burst } }),
      expect.any(String),
    );
    vi.advanceTimersByTime(windowMs * 3);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('keeps the budgets per socket: only the flooding one is limited and told', () => {
    const { input, connect } = setup();
    const flooding = connect();
    const quiet = connect();
    for (let i = 0; i < 50; i += 1) flooding.message(clipboard('flood'));
    quiet.message(clipboard('one paste'));
    expect(input.setClipboard).toHaveBeenCalledTimes(expensiveLimit.burst + 1);
    expect(input.setClipboard).toHaveBeenLastCalledWith('one paste');
    expect(flooding.notices()).toHaveLength(1);
    expect(quiet.notices()).toHaveLength(0);
  });

  it('passes a mouse moving at 1000 messages a second, with clicks and keys, for ten seconds', () => {
    const { input, logger, connect } = setup();
    const socket = connect();
    let keys = 0;
    for (let ms = 0; ms < 10_000; ms += 1) {
      socket.message(move(ms % 1920, ms % 1080));
      if (ms % 100 === 0) {
        socket.message({ type: 'pointer', action: 'down', x: 5, y: 5, button: 0, buttons: 1 });
        socket.message({ type: 'pointer', action: 'up', x: 5, y: 5, button: 0, buttons: 0 });
        socket.message({
          type: 'key',
          action: 'down',
          code: 'KeyA',
          key: 'a',
          modifiers: { shift: false, ctrl: false, alt: false, meta: false },
        });
        keys += 1;
      }
      vi.advanceTimersByTime(1);
    }
    expect(input.pointer).toHaveBeenCalledTimes(10_000 + 2 * keys);
    expect(input.key).toHaveBeenCalledTimes(keys);
    expect(socket.notices()).toHaveLength(0);
    socket.close();
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('passes a burst of 1000 pointer messages arriving at once', () => {
    const { input, connect } = setup();
    const socket = connect();
    for (let i = 0; i < 1_000; i += 1) socket.message(move(i, i));
    expect(input.pointer).toHaveBeenCalledTimes(1_000);
    expect(socket.notices()).toHaveLength(0);
  });

  it('drops an input flood beyond its burst, malformed messages included, before parsing them', () => {
    const { input, logger, connect } = setup();
    const socket = connect();
    for (let i = 0; i < inputLimit.burst * 3; i += 1) socket.message(move(1, 1));
    expect(input.pointer).toHaveBeenCalledTimes(inputLimit.burst);
    for (let i = 0; i < 1_000; i += 1) socket.message('not json');
    // Dropped unparsed: no error reply each.
    expect(socket.sent.filter((message) => message.type === 'error')).toHaveLength(0);
    expect(socket.notices()).toHaveLength(1);
    vi.advanceTimersByTime(windowMs);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ dropped: { input: inputLimit.burst * 2 + 1_000, expensive: 0 } }),
      expect.any(String),
    );
  });
});
