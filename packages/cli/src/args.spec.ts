import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';

describe('webstream arguments', () => {
  it.each([
    [['-gw'], ['gateway']],
    [['-gateway'], ['gateway']],
    [['-be'], ['session-host']],
    [['-backend'], ['session-host']],
    [['-me'], ['metrics-engine']],
    [['-metricsengine'], ['metrics-engine']],
    [['-am'], ['iam']],
    [[], ['streamer-agent']],
    [
      ['-gw', '-me', '-gw'],
      ['gateway', 'metrics-engine'],
    ],
  ])('%j runs %j', (argv, roles) => {
    expect(parseArgs(argv)).toEqual({ kind: 'run', roles, allInOne: false, demo: false, passThrough: [] });
  });

  it('runs the proof of concept for all, passing the config file on to every role', () => {
    expect(parseArgs(['all', '--config', 'prod.yaml'])).toEqual({
      kind: 'run',
      roles: [],
      allInOne: true,
      demo: true,
      passThrough: ['--config', 'prod.yaml'],
    });
    expect(parseArgs(['all', '--no-demo'])).toMatchObject({ allInOne: true, demo: false });
    expect(parseArgs(['-gw', '--config=a.yaml'])).toMatchObject({ passThrough: ['--config=a.yaml'] });
  });

  it('knows migrate and help', () => {
    expect(parseArgs(['migrate'])).toEqual({ kind: 'migrate', passThrough: [] });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('knows licence keygen and issue', () => {
    expect(parseArgs(['licence', 'keygen'])).toEqual({ kind: 'licence-keygen' });
    expect(
      parseArgs([
        'licence',
        'issue',
        '--licensee',
        'Example Ltd',
        '--streamers',
        '50',
        '--days',
        '365',
        '--private-key',
        'k.pem',
      ]),
    ).toEqual({
      kind: 'licence-issue',
      licensee: 'Example Ltd',
      maxStreamers: 50,
      days: 365,
      privateKeyFile: 'k.pem',
    });
  });

  it.each([
    [['licence'], /keygen or issue/],
    [['licence', 'keygen', '--out'], /no arguments/],
    [['licence', 'issue', '--licensee', 'X', '--streamers', '5', '--days', '30'], /needs --private-key/],
    [
      ['licence', 'issue', '--licensee', 'X', '--streamers', '0', '--days', '30', '--private-key', 'k'],
      /--streamers must be/,
    ],
    [
      ['licence', 'issue', '--licensee', 'X', '--streamers', '5', '--days', '1.5', '--private-key', 'k'],
      /--days must be/,
    ],
    [['licence', 'issue', '--licensee', 'X', '--seats', '5'], /no option --seats/],
    [['licence', 'issue', '--licensee'], /--licensee needs a value/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it.each([[['-xyz']], [['all', '-gw']], [['migrate', '-be']], [['--config']], [['-gw', '--no-demo']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    },
  );
});
