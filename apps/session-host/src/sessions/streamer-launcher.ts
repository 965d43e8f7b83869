import { spawn } from 'node:child_process';
import { type Writable } from 'node:stream';
import { CONFIG_ENV_FD_FLAG } from '@webstream/config';
import { STREAMER_LAUNCH_FD, type StreamerLaunch, streamerLaunchSchema } from '@webstream/contracts';
import { STREAMER_NODE_ARGS } from '@webstream/streamer-agent/dist/node-args';
import { StreamerProcess } from './streamer-process';

export interface StreamerLauncherOptions {
  /** The script node runs (a function: resolved when the first session starts). */
  entry: string | (() => string);
  /** Options for node itself, before the script. */
  nodeArgs?: readonly string[];
  /** Arguments after the script. */
  args?: readonly string[];
}

/**
 * What a streamer inherits of the host's environment: where programs and the configuration file are, and the
 * locale. Never a secret: what the streamer needs of those comes in its launch, on a descriptor.
 */
const STREAMER_ENV_KEYS = /^(PATH|LANG|LC_[A-Z]+|TZ|TMPDIR|HOME|NODE_ENV|WEBSTREAM_CONFIG)$/;

export function streamerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => STREAMER_ENV_KEYS.test(key)));
}

/** The host's arguments a streamer shares (--config), without the descriptor the host itself was given. */
export function streamerArgs(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === CONFIG_ENV_FD_FLAG) i++;
    else args.push(argv[i]!);
  }
  return args;
}

/** The built streamer-agent, as this workspace (or an installed image) lays it out. */
export function streamerAgentEntry(): string {
  return require.resolve('@webstream/streamer-agent/dist/main.js');
}

/**
 * Starts a session's streamer: `node <entry>` with an allow-listed environment, its launch written to descriptor
 * STREAMER_LAUNCH_FD (a pipe only it holds), detached so that it leads its own process group.
 */
export class StreamerLauncher {
  private resolvedEntry: string | undefined;

  constructor(private readonly options: StreamerLauncherOptions) {}

  /** The real streamer-agent, with the session host's own arguments (--config) passed on. */
  static streamerAgent(): StreamerLauncher {
    return new StreamerLauncher({
      entry: streamerAgentEntry,
      nodeArgs: STREAMER_NODE_ARGS,
      args: streamerArgs(process.argv.slice(2)),
    });
  }

  get entry(): string {
    const { entry } = this.options;
    this.resolvedEntry ??= typeof entry === 'string' ? entry : entry();
    return this.resolvedEntry;
  }

  launch(spec: StreamerLaunch): StreamerProcess {
    const launch = streamerLaunchSchema.parse(spec);
    const child = spawn(
      process.execPath,
      // The session's id (no secret) on the command line, so that an operator's ps tells the streamers apart.
      [
        ...(this.options.nodeArgs ?? []),
        this.entry,
        ...(this.options.args ?? []),
        '--session',
        launch.sessionId,
      ],
      {
        detached: true,
        // Its logs join the host's; stderr is kept too, to say why a streamer failed.
        stdio: ['ignore', 'inherit', 'pipe', 'pipe'],
        env: streamerEnvironment(process.env),
      },
    );
    const launchPipe = child.stdio[STREAMER_LAUNCH_FD] as Writable | null;
    // A streamer that dies before reading its launch closes the pipe: that is its exit to report, not this.
    launchPipe?.on('error', () => undefined);
    launchPipe?.end(JSON.stringify(launch));
    return new StreamerProcess(child);
  }
}
