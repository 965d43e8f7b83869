import { describe, it, expect } from 'vitest';
import { controlClientMessageSchema, controlServerMessageSchema } from './control';
import { issuePaths } from './issue-paths.spec-helper';

const modifiers = { shift: false, ctrl: true, alt: false, meta: false };

describe('/control client messages', () => {
  it.each([
    { type: 'key', action: 'down', code: 'KeyA', key: 'a', modifiers },
    { type: 'key', action: 'up', code: 'Digit1', key: 'ë', modifiers },
    { type: 'pointer', action: 'move', x: 100, y: 200, button: 0, buttons: 0 },
    { type: 'pointer', action: 'down', x: 0, y: 0, button: 2, buttons: 2 },
    { type: 'wheel', x: 10, y: 10, deltaX: 0, deltaY: -120.5, deltaMode: 0 },
    { type: 'touch', action: 'start', touches: [{ id: 0, x: 5, y: 6 }] },
    { type: 'touch', action: 'cancel', touches: [] },
    { type: 'clipboard', mimeType: 'text/plain', data: 'Zoë — 東京' },
    { type: 'ping', t: 1736937000123 },
  ])('accepts %j', (message) => {
    expect(controlClientMessageSchema.parse(message)).toEqual(message);
  });

  it.each([
    [{ type: 'key', action: 'press', code: 'KeyA', key: 'a', modifiers }, ['action']],
    [{ type: 'key', action: 'down', code: '', key: 'a', modifiers }, ['code']],
    [{ type: 'key', action: 'down', code: 'KeyA', key: 'x'.repeat(65), modifiers }, ['key']],
    [
      { type: 'key', action: 'down', code: 'KeyA', key: 'a', modifiers: { ...modifiers, ctrl: 'yes' } },
      ['modifiers', 'ctrl'],
    ],
    [{ type: 'pointer', action: 'move', x: -1, y: 0, button: 0, buttons: 0 }, ['x']],
    [{ type: 'pointer', action: 'move', x: 1, y: 0.5, button: 0, buttons: 0 }, ['y']],
    [{ type: 'pointer', action: 'down', x: 1, y: 1, button: 5, buttons: 0 }, ['button']],
    [{ type: 'pointer', action: 'down', x: 1, y: 1, button: 0, buttons: -1 }, ['buttons']],
    [{ type: 'wheel', x: 1, y: 1, deltaX: 0, deltaY: 0, deltaMode: 3 }, ['deltaMode']],
    [{ type: 'wheel', x: 1, y: 1, deltaX: 1e9, deltaY: 0, deltaMode: 0 }, ['deltaX']],
    [{ type: 'touch', action: 'start', touches: [{ id: 0, x: 1, y: -2 }] }, ['touches', 0, 'y']],
    [{ type: 'clipboard', mimeType: 'text/html', data: '<b>' }, ['mimeType']],
    [{ type: 'ping' }, ['t']],
    [{ type: 'pong', t: 1 }, ['type']],
  ])('rejects %j at %j', (message, path) => {
    expect(issuePaths(controlClientMessageSchema, message)).toEqual([path]);
  });

  it('rejects unknown fields on input messages', () => {
    const result = controlClientMessageSchema.safeParse({ type: 'ping', t: 1, extra: true });
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['extra'] });
  });
});

describe('/control server messages', () => {
  it.each([
    { type: 'clipboard', mimeType: 'text/plain', data: 'copied' },
    { type: 'pong', t: 1736937000123 },
    { type: 'notice', kind: 'idle-warning', message: 'Idle for 25 minutes', secondsLeft: 300 },
    { type: 'notice', kind: 'view-only', message: 'This workspace is view only' },
    { type: 'error', code: 'policy-refusal', message: 'Clipboard is disabled' },
  ])('accepts %j', (message) => {
    expect(controlServerMessageSchema.parse(message)).toEqual(message);
  });

  it.each([
    [{ type: 'notice', kind: 'hello', message: 'x' }, ['kind']],
    [{ type: 'notice', kind: 'session-ending', message: 'x', secondsLeft: -1 }, ['secondsLeft']],
    [{ type: 'pong' }, ['t']],
    [{ type: 'key', action: 'down', code: 'KeyA', key: 'a', modifiers }, ['type']],
  ])('rejects %j at %j', (message, path) => {
    expect(issuePaths(controlServerMessageSchema, message)).toEqual([path]);
  });
});
