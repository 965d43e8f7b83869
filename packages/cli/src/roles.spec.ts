import { describe, expect, it } from 'vitest';
import { type Role, stopWaves } from './roles';

describe('the order roles stop in', () => {
  it('stops session hosts first, then the gateway, then IAM and the metrics engine together', () => {
    const started: Role[] = ['iam', 'metrics-engine', 'gateway', 'session-host'];
    expect(stopWaves(started.map((role) => ({ role }))).map((wave) => wave.map(({ role }) => role))).toEqual([
      ['session-host'],
      ['gateway'],
      ['iam', 'metrics-engine'],
    ]);
  });

  it('leaves out the waves no running role is in', () => {
    expect(stopWaves([{ role: 'metrics-engine' as const }, { role: 'session-host' as const }])).toEqual([
      [{ role: 'session-host' }],
      [{ role: 'metrics-engine' }],
    ]);
  });
});
