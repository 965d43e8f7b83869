import { randomUUID } from 'node:crypto';
import { type Duplex } from 'node:stream';
import { Injectable } from '@nestjs/common';

export interface RoutedSocket {
  id: string;
  sessionId: string;
  userId: string;
  clientAddress: string;
  publicPath: string;
  upstreamUrl: string;
  bytesFromClient: number;
  bytesToClient: number;
  openedAt: string;
}

interface Entry {
  info: RoutedSocket;
  close(code: number, reason: string): void;
}

/** The WebSockets this gateway is relaying (seed 003's diagnostics), with a way to close one. */
@Injectable()
export class WebSocketDiagnostics {
  private readonly sockets = new Map<string, Entry>();

  open(
    info: Omit<RoutedSocket, 'id' | 'bytesFromClient' | 'bytesToClient' | 'openedAt'>,
    client: Duplex,
    upstream: Duplex,
    close: (code: number, reason: string) => void,
  ): string {
    const id = randomUUID();
    const entry: Entry = {
      info: { ...info, id, bytesFromClient: 0, bytesToClient: 0, openedAt: new Date().toISOString() },
      close,
    };
    // Counting on the data events the pipe already consumes costs no extra copy.
    client.on('data', (chunk: Buffer) => (entry.info.bytesFromClient += chunk.length));
    upstream.on('data', (chunk: Buffer) => (entry.info.bytesToClient += chunk.length));
    this.sockets.set(id, entry);
    client.once('close', () => this.sockets.delete(id));
    return id;
  }

  list(): RoutedSocket[] {
    return [...this.sockets.values()].map((entry) => ({ ...entry.info }));
  }

  count(): number {
    return this.sockets.size;
  }

  /** Closes one relayed socket; false when it is not (or no longer) here. */
  close(id: string, code: number, reason: string): boolean {
    const entry = this.sockets.get(id);
    if (entry === undefined) return false;
    entry.close(code, reason);
    return true;
  }

  closeAll(code: number, reason: string): void {
    for (const entry of this.sockets.values()) entry.close(code, reason);
  }
}
