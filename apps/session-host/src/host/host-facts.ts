import { accessSync, constants, readFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { delimiter, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { InjectConfig } from '@webstream/service-kit';

/** The programs a streamer runs to show a real display (X server, capture, input) and to capture sound. */
export const CAPTURE_TOOLS = { xvfb: 'Xvfb', ffmpeg: 'ffmpeg', xdotool: 'xdotool' } as const;
export const AUDIO_TOOLS = { pulseaudio: 'pulseaudio' } as const;
export type HostTool = keyof typeof CAPTURE_TOOLS | keyof typeof AUDIO_TOOLS;

/** Whether an executable of that name is on the search path (as a shell would find it). */
export function onPath(program: string, searchPath: string | undefined): boolean {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

/** This app's package version, from its package.json (two folders above both src/host and dist/host). */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' && manifest.version !== '' ? manifest.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * What this machine is and can do, found once at start: its instance type, the app's version, which capture
 * and audio tools are on PATH, and the capabilities it registers with (the configured ones plus those the tools
 * give: 'x11' with Xvfb, ffmpeg and xdotool; 'audio' with PulseAudio and ffmpeg).
 */
@Injectable()
export class HostFacts {
  readonly instanceType: string;
  readonly version = packageVersion();
  /** Not probed: reading EC2 instance metadata would call the network at start-up, and no key names the id. */
  readonly ec2InstanceId: string | null = null;
  readonly tools: Readonly<Record<HostTool, boolean>>;
  readonly capabilities: readonly string[];
  /** The capture tools that are missing, when the streamers are expected to show a real display. */
  readonly missingCaptureTools: readonly string[];

  constructor(@InjectConfig() config: WebstreamConfig) {
    // e.g. linux-x64-8cpu when sessionHost.instanceType is not set.
    this.instanceType = config.sessionHost.instanceType ?? `${platform()}-${arch()}-${cpus().length}cpu`;
    // PATH is the process's search path, not configuration: the streamer finds its tools the same way.
    const searchPath = process.env.PATH;
    const tools = {} as Record<HostTool, boolean>;
    for (const [key, program] of Object.entries({ ...CAPTURE_TOOLS, ...AUDIO_TOOLS })) {
      tools[key as HostTool] = onPath(program, searchPath);
    }
    this.tools = tools;

    const found = new Set(config.sessionHost.capabilities);
    if (tools.xvfb && tools.ffmpeg && tools.xdotool) found.add('x11');
    if (tools.pulseaudio && tools.ffmpeg) found.add('audio');
    this.capabilities = [...found];

    // A host configured for synthetic pictures needs none of them.
    this.missingCaptureTools =
      config.streamer.captureSource === 'synthetic'
        ? []
        : Object.entries(CAPTURE_TOOLS)
            .filter(([key]) => !tools[key as HostTool])
            .map(([, program]) => program);
  }
}
