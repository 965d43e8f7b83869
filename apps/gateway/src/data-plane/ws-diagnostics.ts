import { randomUUID } from 'node:crypto';
import { type Socket } from 'node:net';
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
  info: Omit<RoutedSocket, 'bytesFromClient' | 'bytesToClient'>;
  upstream: Socket;
  /** The upstream's counters when the relay began: the handshake is not the session's traffic. */
  readAtOpen: number;
  writtenAtOpen: number;
  close(code: number, reason: string): void;
}

/** The WebSockets this gateway is relaying (seed 003's diagnostics), with a way to close one. */
@Injectable()
export class WebSocketDiagnostics {
  private readonly sockets = new Map<string, Entry>();

  /**
   * The bytes each way are read off the upstream socket's own counters (what was forwarded to the streamer and
   * what came back from it), so the relay's hot path carries no listener for them.
   */
  open(
    info: Omit<RoutedSocket, 'id' | 'bytesFromClient' | 'bytesToClient' | 'openedAt'>,
    client: Socket,
    upstream: Socket,
    close: (code: number, reason: string) => void,
  ): string {
    const id = randomUUID();
    this.sockets.set(id, {
      info: { ...info, id, openedAt: new Date().toISOString() },
      upstream,
      readAtOpen: upstream.bytesRead,
      writtenAtOpen: upstream.bytesWritten,
      close,
    });
    client.once('close', () => this.sockets.delete(id));
    return id;
  }

  list(): RoutedSocket[] {
    return [...this.sockets.values()].map((entry) => ({
      ...entry.info,
      bytesFromClient: entry.upstream.bytesWritten - entry.writtenAtOpen,
      bytesToClient: entry.upstream.bytesRead - entry.readAtOpen,
    }));
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
