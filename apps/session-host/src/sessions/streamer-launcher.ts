import { spawn } from 'node:child_process';
import { STREAMER_SESSION_ENV, type StreamerLaunch, streamerLaunchSchema } from '@webstream/contracts';
import { StreamerProcess } from './streamer-process';

export interface StreamerLauncherOptions {
  /** The script node runs (a function: resolved when the first session starts). */
  entry: string | (() => string);
  /** Options for node itself, before the script. */
  nodeArgs?: readonly string[];
  /** Arguments after the script. */
  args?: readonly string[];
}

/** The built streamer-agent, as this workspace (or an installed image) lays it out. */
export function streamerAgentEntry(): string {
  return require.resolve('@webstream/streamer-agent/dist/main.js');
}

/**
 * Starts a session's streamer: `node <entry>` with this process's environment plus the launch spec in
 * STREAMER_SESSION_ENV, detached so that it leads its own process group.
 */
export class StreamerLauncher {
  private resolvedEntry: string | undefined;

  constructor(private readonly options: StreamerLauncherOptions) {}

  /** The real streamer-agent, with the session host's own arguments (--config) passed on. */
  static streamerAgent(): StreamerLauncher {
    return new StreamerLauncher({
      entry: streamerAgentEntry,
      nodeArgs: ['--enable-source-maps'],
      args: process.argv.slice(2),
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
      [...(this.options.nodeArgs ?? []), this.entry, ...(this.options.args ?? [])],
      {
        detached: true,
        // Its logs join the host's; stderr is kept too, to say why a streamer failed.
        stdio: ['ignore', 'inherit', 'pipe'],
        env: { ...process.env, [STREAMER_SESSION_ENV]: JSON.stringify(launch) },
      },
    );
    return new StreamerProcess(child);
  }
}
