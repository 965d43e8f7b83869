import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { closeCodes, defaultVideoPolicy, type StreamerLaunch } from '@webstream/contracts';
import { InjectConfig, ServiceStartupError } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { parse as parseShellWords } from 'shell-quote';
import { detectCaptureKind, startMedia } from '../media';
import { type CaptureKind, type MediaSession } from '../media/media';
import { SessionEnd } from './session-end';
import { InjectStreamerLaunch } from './streamer-launch';

/**
 * X-App-Args as an argument list: quotes group words, nothing is expanded, and shell operators (pipes,
 * redirections) are refused — the application is started without a shell.
 */
export function splitAppArgs(appArgs: string): string[] {
  return parseShellWords(appArgs, (name) => `$${name}`).map((word) => {
    if (typeof word !== 'string') {
      throw new Error(`X-App-Args may not contain shell operators (${JSON.stringify(word)})`);
    }
    return word;
  });
}

/** The policy's watermark: its text and the user's name, to which the capture adds the time. */
export function watermarkText(launch: StreamerLaunch): string | undefined {
  const { watermark } = launch.contract.policy;
  if (!watermark.enabled) return undefined;
  return [watermark.text, launch.contract.username].filter(Boolean).join(' · ');
}

/** The session's display, application, capture, input and sound, for as long as the process lives. */
@Injectable()
export class SessionMedia implements OnModuleInit, OnApplicationShutdown {
  private session?: MediaSession;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    private readonly sessionEnd: SessionEnd,
    private readonly logger: PinoLogger,
  ) {}

  get media(): MediaSession {
    if (this.session === undefined) throw new Error('the session media has not started');
    return this.session;
  }

  async onModuleInit(): Promise<void> {
    const kind = this.captureKind();
    const { streamer } = this.config;
    const { contract } = this.launch;
    const session = await startMedia(kind, {
      width: streamer.width,
      height: streamer.height,
      frameRate: streamer.frameRate,
      jpegQuality: streamer.jpegQuality,
      glx: streamer.glx,
      maxBitrateKbps: (contract.policy.video ?? defaultVideoPolicy).maxBitrateKbps,
      appExe: contract.appExe,
      appArgs: splitAppArgs(contract.appArgs),
      watermark: watermarkText(this.launch),
      audio: contract.policy.audio,
      workDir: this.launch.sandbox?.runtimeDir ?? (await mkdtemp(join(tmpdir(), 'webstream-session-'))),
      sandbox: this.launch.sandbox,
      logger: this.logger,
    });
    this.session = session;
    const { SESSION_ENDED } = closeCodes;
    session.ended.then(
      (why) => this.sessionEnd.end(SESSION_ENDED, why),
      (error: unknown) => this.sessionEnd.end(SESSION_ENDED, `the display failed: ${String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.session?.stop();
  }

  private captureKind(): CaptureKind {
    const wanted = this.config.streamer.captureSource;
    const found = detectCaptureKind();
    if (wanted === 'x11' && found.kind !== 'x11') {
      throw new ServiceStartupError(
        `streamer.captureSource is x11 but this machine lacks ${found.missing.join(', ')}: install them or set it to auto or synthetic`,
      );
    }
    const kind = wanted === 'auto' ? found.kind : wanted;
    // An application never starts unsandboxed by accident: only an explicit mode none allows it.
    if (kind === 'x11' && this.launch.sandbox === null && this.config.sessionHost.sandbox.mode !== 'none') {
      throw new ServiceStartupError(
        `the session host gave no sandbox while sessionHost.sandbox.mode is ${this.config.sessionHost.sandbox.mode}: the application is not started`,
      );
    }
    this.logger.info(
      { captureSource: kind, configured: wanted, missing: found.missing },
      kind === 'x11'
        ? 'capturing an X display'
        : `capturing a synthetic picture${found.missing.length > 0 ? ` (missing: ${found.missing.join(', ')})` : ''}`,
    );
    return kind;
  }
}
