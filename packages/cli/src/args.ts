import { ROLES, type Role } from './roles';

export type Command =
  | { kind: 'run'; roles: Role[]; allInOne: boolean; demo: boolean; passThrough: string[] }
  | { kind: 'migrate'; passThrough: string[] }
  | { kind: 'licence-keygen' }
  | { kind: 'licence-issue'; licensee: string; maxStreamers: number; days: number; privateKeyFile: string }
  | { kind: 'help' };

export const USAGE = `usage: webstream [role flags] [--config <file>]

  webstream all [--no-demo]  the proof of concept: gateway with built-in IAM, a session host and the
                             metrics engine, on an embedded PostgreSQL unless database URLs are configured;
                             on a new database it creates a demo user and workspace unless --no-demo
  webstream -gw | -gateway   the gateway
  webstream -be | -backend   a session host
  webstream -me | -metricsengine   the metrics engine
  webstream -am              IAM on its own
  webstream                  a streamer (the role with no flag)
  webstream migrate          apply pending database migrations (embedded database if none configured)
  webstream licence keygen   print a new Ed25519 key pair: the public key (for gateway.licence.publicKey),
                             then the private key that signs licences (keep it secret)
  webstream licence issue --licensee <name> --streamers <n> --days <d> --private-key <file>
                             print a licence (for gateway.licence.key) signed with that private key

Several role flags run several roles. The configuration file comes from --config, WEBSTREAM_CONFIG or
./webstream.config.yaml; WEBSTREAM__SECTION__KEY=value overrides any key.`;

export class UsageError extends Error {}

const LICENCE_ISSUE_OPTIONS = ['--licensee', '--streamers', '--days', '--private-key'] as const;

function parseLicenceArgs(argv: readonly string[]): Command {
  const [action, ...rest] = argv;
  if (action === 'keygen') {
    if (rest.length) throw new UsageError(`licence keygen takes no arguments, not ${rest[0]}`);
    return { kind: 'licence-keygen' };
  }
  if (action !== 'issue') throw new UsageError('licence needs keygen or issue');
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const option = rest[i]!;
    const value = rest[i + 1];
    if (!(LICENCE_ISSUE_OPTIONS as readonly string[]).includes(option)) {
      throw new UsageError(`licence issue has no option ${option}`);
    }
    if (value === undefined || value === '') throw new UsageError(`${option} needs a value`);
    values.set(option, value);
  }
  const missing = LICENCE_ISSUE_OPTIONS.filter((option) => !values.has(option));
  if (missing.length) throw new UsageError(`licence issue needs ${missing.join(', ')}`);
  const wholeNumber = (option: string): number => {
    const text = values.get(option)!;
    if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${option} must be a whole number of at least 1`);
    return Number(text);
  };
  return {
    kind: 'licence-issue',
    licensee: values.get('--licensee')!,
    maxStreamers: wholeNumber('--streamers'),
    days: wholeNumber('--days'),
    privateKeyFile: values.get('--private-key')!,
  };
}

export function parseArgs(argv: readonly string[]): Command {
  if (argv[0] === 'licence') return parseLicenceArgs(argv.slice(1));
  const passThrough: string[] = [];
  const roles: Role[] = [];
  let allInOne = false;
  let migrate = false;
  let demo = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h' || arg === 'help') return { kind: 'help' };
    if (arg === '--config') {
      const value = argv[i + 1];
      if (!value) throw new UsageError('--config needs a file path');
      passThrough.push(arg, value);
      i++;
    } else if (arg.startsWith('--config=')) {
      passThrough.push(arg);
    } else if (arg === 'all') {
      allInOne = true;
    } else if (arg === '--no-demo') {
      demo = false;
    } else if (arg === 'migrate') {
      migrate = true;
    } else {
      const role = ROLES.find((definition) => definition.flags.includes(arg.toLowerCase()))?.role;
      if (!role) throw new UsageError(`unknown argument ${arg}`);
      if (!roles.includes(role)) roles.push(role);
    }
  }
  if (migrate) {
    if (allInOne || roles.length) throw new UsageError('migrate takes no role flags');
    return { kind: 'migrate', passThrough };
  }
  if (allInOne && roles.length)
    throw new UsageError('all already includes its roles: give no role flags with it');
  if (!demo && !allInOne) throw new UsageError('--no-demo goes with all');
  return {
    kind: 'run',
    roles: roles.length || allInOne ? roles : ['streamer-agent'],
    allInOne,
    demo: allInOne && demo,
    passThrough,
  };
}
