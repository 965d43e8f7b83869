import { ROLES, type Role } from './roles';

export type Command =
  | { kind: 'run'; roles: Role[]; allInOne: boolean; demo: boolean; passThrough: string[] }
  | { kind: 'migrate'; passThrough: string[] }
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

Several role flags run several roles. The configuration file comes from --config, WEBSTREAM_CONFIG or
./webstream.config.yaml; WEBSTREAM__SECTION__KEY=value overrides any key.`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Command {
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
