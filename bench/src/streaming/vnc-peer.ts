// A VNC peer on the same kind of display, for comparison: Debian's x11vnc serving it, and a minimal RFB 3.8
// client in this process that pulls updates as noVNC does (the next incremental request once an update is in),
// counting bytes and updates without decoding them. ZRLE (zlib-compressed runs) with CopyRect is what it asks for.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const ENCODING_RAW = 0;
const ENCODING_COPY_RECT = 1;
const ENCODING_ZRLE = 16;

export function vncPeerAvailable(): boolean {
  return spawnSync('x11vnc', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Buffered reads of exact lengths from a socket. */
class Reader {
  private buffer = Buffer.alloc(0);
  private waiting: { bytes: number; resolve: (data: Buffer) => void } | undefined;
  total = 0;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.total += chunk.length;
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.serve();
    });
  }

  read(bytes: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = { bytes, resolve };
      this.serve();
    });
  }

  private serve(): void {
    const waiting = this.waiting;
    if (waiting === undefined || this.buffer.length < waiting.bytes) return;
    this.waiting = undefined;
    const data = this.buffer.subarray(0, waiting.bytes);
    this.buffer = this.buffer.subarray(waiting.bytes);
    waiting.resolve(data);
  }
}

export class VncPeer {
  updates = 0;
  /** Why the client stopped reading, if it did. */
  error: unknown;
  private socket: Socket | undefined;
  private reader: Reader | undefined;
  private server: ChildProcess | undefined;
  private stopped = false;

  get bytes(): number {
    return this.reader?.total ?? 0;
  }

  static async start(display: string, port: number): Promise<VncPeer> {
    const peer = new VncPeer();
    peer.server = spawn(
      'x11vnc',
      ['-display', display, '-rfbport', String(port), '-localhost', '-nopw', '-shared', '-forever', '-quiet'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; ; attempt += 1) {
      try {
        const socket = connect(port, '127.0.0.1');
        await once(socket, 'connect');
        peer.socket = socket;
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(100);
      }
    }
    peer.reader = new Reader(peer.socket);
    void peer.run().catch((error: unknown) => {
      peer.error = error;
    });
    return peer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      // x11vnc does not always heed SIGTERM (seen while its client was gone).
      server.kill('SIGTERM');
      await Promise.race([once(server, 'exit'), sleep(2_000).then(() => server.kill('SIGKILL'))]);
    }
  }

  private async run(): Promise<void> {
    const socket = this.socket!;
    const reader = this.reader!;
    await reader.read(12); // "RFB 003.008\n"
    socket.write('RFB 003.008\n');
    const types = await reader.read((await reader.read(1))[0]!);
    if (!types.includes(1)) throw new Error('the VNC server wants a password');
    socket.write(Buffer.from([1]));
    if ((await reader.read(4)).readUInt32BE(0) !== 0) throw new Error('the VNC server refused');
    socket.write(Buffer.from([1])); // shared
    const init = await reader.read(24);
    const width = init.readUInt16BE(0);
    const height = init.readUInt16BE(2);
    const bytesPerPixel = init[4]! / 8;
    await reader.read(init.readUInt32BE(20)); // the desktop's name
    const encodings = [ENCODING_ZRLE, ENCODING_COPY_RECT, ENCODING_RAW];
    const setEncodings = Buffer.alloc(4 + 4 * encodings.length);
    setEncodings.writeUInt8(2, 0);
    setEncodings.writeUInt16BE(encodings.length, 2);
    encodings.forEach((encoding, i) => setEncodings.writeInt32BE(encoding, 4 + 4 * i));
    socket.write(setEncodings);
    const request = (incremental: boolean): void => {
      const message = Buffer.alloc(10);
      message.writeUInt8(3, 0);
      message.writeUInt8(incremental ? 1 : 0, 1);
      message.writeUInt16BE(width, 6);
      message.writeUInt16BE(height, 8);
      socket.write(message);
    };
    request(false);
    while (!this.stopped) {
      const type = (await reader.read(1))[0]!;
      if (type === 0) {
        const rectangles = (await reader.read(3)).readUInt16BE(1);
        for (let i = 0; i < rectangles; i += 1) {
          const header = await reader.read(12);
          const w = header.readUInt16BE(4);
          const h = header.readUInt16BE(6);
          const encoding = header.readInt32BE(8);
          if (encoding === ENCODING_ZRLE) await reader.read((await reader.read(4)).readUInt32BE(0));
          else if (encoding === ENCODING_COPY_RECT) await reader.read(4);
          else if (encoding === ENCODING_RAW) await reader.read(w * h * bytesPerPixel);
          else throw new Error(`an encoding not asked for: ${encoding}`);
        }
        this.updates += 1;
        request(true);
      } else if (type === 1) {
        const colours = (await reader.read(5)).readUInt16BE(3);
        await reader.read(colours * 6);
      } else if (type === 2) {
        // bell
      } else if (type === 3) {
        await reader.read((await reader.read(7)).readUInt32BE(3));
      } else {
        throw new Error(`an RFB message of type ${type}`);
      }
    }
  }
}
