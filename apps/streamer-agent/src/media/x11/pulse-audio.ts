import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { type AudioCodec } from '@webstream/contracts';
import { ListenedStream } from '../listened-stream';
import { type AudioFormat, type AudioListening, type AudioSource, type MediaLogger } from '../media';
import { CHUNK_BYTES, OPUS_FORMAT, PCM_FORMAT } from '../pcm-format';
import { describeExit, ManagedChild } from './managed-child';
import { OggOpusReader } from './ogg-opus-reader';
import { type HelperSpawn, type SessionSandboxRunner } from './session-sandbox';

const SINK = 'webstream';
const START_TIMEOUT_MS = 5_000;

/** Opus at 20 ms frames: 64 kbit/s is transparent for speech and system sounds, and a twentieth of the PCM. */
const OPUS_KBPS = 64;

/**
 * A PulseAudio of the session's own (runtime dir and home under workDir, one null sink), and its monitor
 * recorded only while somebody listens: by ffmpeg as Opus, or by parec as PCM for clients without an Opus
 * decoder. They run as the session's uid; the anonymous-auth socket lives in the session's 0700 runtime folder.
 */
export class PulseAudioSource implements AudioSource {
  readonly codecs: readonly AudioCodec[] = ['opus', 'pcm-s16le'];
  private readonly pcm: ListenedStream<Buffer>;
  private readonly opus: ListenedStream<Buffer>;
  private parec: ManagedChild | undefined;
  private opusEncoder: ManagedChild | undefined;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly daemon: ManagedChild,
    /** 'unix:/…/native', for the application's PULSE_SERVER. */
    readonly server: string,
    /** parec's: the session's uid, PULSE_SERVER naming the session's socket. */
    private readonly parecAs: HelperSpawn,
    private readonly logger: MediaLogger,
  ) {
    this.pcm = new ListenedStream(
      'audio-pcm',
      logger,
      () => this.record(),
      () => void this.stopRecorder('parec'),
    );
    this.opus = new ListenedStream(
      'audio-opus',
      logger,
      () => this.encodeOpus(),
      () => void this.stopRecorder('opus'),
    );
  }

  /** Undefined (with a warning) when PulseAudio cannot start: the session then runs without sound. */
  static async start(
    workDir: string,
    runner: SessionSandboxRunner,
    logger: MediaLogger,
  ): Promise<PulseAudioSource | undefined> {
    const runtimeDir = join(workDir, 'pulse');
    const home = join(workDir, 'pulse-home');
    const socket = join(runtimeDir, 'native');
    const parecAs = runner.helper({
      XDG_RUNTIME_DIR: runtimeDir,
      HOME: home,
      PULSE_SERVER: `unix:${socket}`,
    });
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
        parecAs.env,
      );
      daemon = new ManagedChild({ name: 'pulseaudio', ...started, logger });
      await daemon.started;
      await waitForFile(socket, daemon);
      return new PulseAudioSource(daemon, `unix:${socket}`, parecAs, logger);
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
    return [this.daemon.pid, this.parec?.pid, this.opusEncoder?.pid].filter(
      (pid): pid is number => pid !== undefined,
    );
  }

  listen(codec: AudioCodec, listener: (chunk: Buffer) => void): AudioListening {
    const [stream, format]: [ListenedStream<Buffer>, AudioFormat] =
      codec === 'opus' ? [this.opus, OPUS_FORMAT] : [this.pcm, PCM_FORMAT];
    return { format, stop: stream.add(listener) };
  }

  async stop(): Promise<void> {
    await Promise.all([this.stopRecorder('parec'), this.stopRecorder('opus')]);
    await this.daemon.terminate();
  }

  private async stopRecorder(which: 'parec' | 'opus'): Promise<void> {
    const child = which === 'parec' ? this.parec : this.opusEncoder;
    if (which === 'parec') this.parec = undefined;
    else this.opusEncoder = undefined;
    await child?.terminate();
  }

  private encodeOpus(): void {
    const reader = new OggOpusReader();
    const encoder = new ManagedChild({
      name: 'ffmpeg-opus',
      command: 'ffmpeg',
      args: [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
        // 20 ms fragments: PulseAudio's default hands over ~2 s at a time.
        ...['-f', 'pulse', '-fragment_size', String(CHUNK_BYTES)],
        ...['-sample_rate', String(OPUS_FORMAT.sampleRate), '-channels', String(OPUS_FORMAT.channels)],
        ...['-i', `${SINK}.monitor`],
        ...['-c:a', 'libopus', '-b:a', `${OPUS_KBPS}k`, '-application', 'lowdelay', '-frame_duration', '20'],
        // One page per packet, written at once.
        ...['-f', 'ogg', '-page_duration', '20000', '-flush_packets', '1', '-'],
      ],
      ...this.parecAs,
      stdout: 'pipe',
      logger: this.logger,
    });
    encoder.process.stdout?.on('data', (data: Buffer) => {
      try {
        for (const packet of reader.push(data)) this.opus.emit(packet);
      } catch (error: unknown) {
        this.logger.error({ err: error }, 'the Opus encoder wrote what could not be read; stopping it');
        void this.stopRecorder('opus');
      }
    });
    void encoder.exited.then((exit) => {
      if (!this.daemon.hasExited && encoder === this.opusEncoder) {
        this.logger.warn(
          { reason: describeExit('ffmpeg (Opus)', exit), stderr: encoder.stderr.text() },
          'the Opus encoder ended',
        );
      }
    });
    this.opusEncoder = encoder;
  }

  private record(): void {
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
      ...this.parecAs,
      stdout: 'pipe',
      logger: this.logger,
    });
    parec.process.stdout?.on('data', (data: Buffer) => this.receive(data));
    void parec.exited.then((exit) => {
      if (!this.daemon.hasExited && parec === this.parec) {
        this.logger.warn({ reason: describeExit('parec', exit), stderr: parec.stderr.text() }, 'parec ended');
      }
    });
    this.pending = Buffer.alloc(0);
    this.parec = parec;
  }

  /** Re-cut into 20 ms chunks: parec writes whatever its buffer holds, not whole chunks. */
  private receive(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    let offset = 0;
    while (this.pending.length - offset >= CHUNK_BYTES) {
      this.pcm.emit(Buffer.from(this.pending.subarray(offset, offset + CHUNK_BYTES)));
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
