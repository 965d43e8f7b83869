import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Listeners } from '../listeners';
import { type AudioSource, type MediaLogger } from '../media';
import { CHUNK_BYTES, PCM_FORMAT } from '../pcm-format';
import { describeExit, ManagedChild } from './managed-child';
import { type SessionSandboxRunner } from './session-sandbox';

const SINK = 'webstream';
const START_TIMEOUT_MS = 5_000;

/**
 * A PulseAudio of the session's own (runtime dir and home under workDir, one null sink) and a parec recording
 * its monitor. It runs as the session's uid; its anonymous-auth socket lives in the session's 0700 runtime folder.
 */
export class PulseAudioSource implements AudioSource {
  readonly format = PCM_FORMAT;
  private readonly listeners: Listeners<Buffer>;
  private parec: ManagedChild | undefined;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly daemon: ManagedChild,
    /** 'unix:/…/native', for the application's PULSE_SERVER. */
    readonly server: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: MediaLogger,
  ) {
    this.listeners = new Listeners(logger, 'audio');
  }

  /** Undefined (with a warning) when PulseAudio cannot start: the session then runs without sound. */
  static async start(
    workDir: string,
    env: NodeJS.ProcessEnv,
    runner: SessionSandboxRunner,
    logger: MediaLogger,
  ): Promise<PulseAudioSource | undefined> {
    const runtimeDir = join(workDir, 'pulse');
    const home = join(workDir, 'pulse-home');
    const socket = join(runtimeDir, 'native');
    const pulseEnv = { ...env, XDG_RUNTIME_DIR: runtimeDir, HOME: home, PULSE_SERVER: `unix:${socket}` };
    let daemon: ManagedChild | undefined;
    try {
      await runner.ownedFolder(runtimeDir);
      await runner.ownedFolder(home);
      const started = runner.daemon(
        'pulseaudio',
        [
          '--daemonize=no',
          '--exit-idle-time=-1',
          '-n', // no default.pa: only what is loaded here
          '--use-pid-file=no',
          '--log-target=stderr',
          `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
          `--load=module-null-sink sink_name=${SINK} rate=${PCM_FORMAT.sampleRate} channels=${PCM_FORMAT.channels}`,
        ],
        pulseEnv,
      );
      daemon = new ManagedChild({ name: 'pulseaudio', ...started, logger });
      await daemon.started;
      await waitForFile(socket, daemon);
      const source = new PulseAudioSource(daemon, `unix:${socket}`, pulseEnv, logger);
      await source.record();
      return source;
    } catch (error: unknown) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), stderr: daemon?.stderr.text() },
        'PulseAudio could not start; the session runs without sound',
      );
      await daemon?.terminate();
      return undefined;
    }
  }

  get pids(): number[] {
    return [this.daemon.pid, this.parec?.pid].filter((pid): pid is number => pid !== undefined);
  }

  onChunk(listener: (chunk: Buffer) => void): void {
    this.listeners.add(listener);
  }

  async stop(): Promise<void> {
    await this.parec?.terminate();
    await this.daemon.terminate();
  }

  private async record(): Promise<void> {
    const parec = new ManagedChild({
      name: 'parec',
      command: 'parec',
      args: [
        '-d',
        `${SINK}.monitor`,
        '--raw',
        '--format=s16le',
        `--rate=${PCM_FORMAT.sampleRate}`,
        `--channels=${PCM_FORMAT.channels}`,
        // Without it parec buffers ~2 s before its first write.
        '--latency-msec=20',
      ],
      env: this.env,
      stdout: 'pipe',
      logger: this.logger,
    });
    parec.process.stdout?.on('data', (data: Buffer) => this.receive(data));
    void parec.exited.then((exit) => {
      if (!this.daemon.hasExited && parec === this.parec) {
        this.logger.warn({ reason: describeExit('parec', exit), stderr: parec.stderr.text() }, 'parec ended');
      }
    });
    this.parec = parec;
    await parec.started;
  }

  /** Re-cut into 20 ms chunks: parec writes whatever its buffer holds, not whole chunks. */
  private receive(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    let offset = 0;
    while (this.pending.length - offset >= CHUNK_BYTES) {
      this.listeners.emit(Buffer.from(this.pending.subarray(offset, offset + CHUNK_BYTES)));
      offset += CHUNK_BYTES;
    }
    this.pending = this.pending.subarray(offset);
  }
}

async function waitForFile(path: string, daemon: ManagedChild): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (daemon.hasExited) throw new Error(`PulseAudio ended: ${daemon.stderr.text()}`);
    try {
      await access(path);
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`PulseAudio did not open ${path} within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
