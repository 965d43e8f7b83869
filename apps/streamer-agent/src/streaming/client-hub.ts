import { Injectable } from '@nestjs/common';
import {
  type KnownCloseEntry,
  type ControlServerMessage,
  type NoticeKind,
  type WsErrorMessage,
} from '@webstream/contracts';
import { type WebSocket } from 'ws';

/** A close code of the contract, with its literal reason (what error messages carry as their code). */
export type CloseEntry = KnownCloseEntry;

export type Channel = 'capture' | 'control' | 'audio';

/** The session's open sockets per channel: where notices go, and what is closed when the session ends. */
@Injectable()
export class ClientHub {
  private readonly sockets: Record<Channel, Set<WebSocket>> = {
    capture: new Set(),
    control: new Set(),
    audio: new Set(),
  };

  add(channel: Channel, socket: WebSocket): void {
    this.sockets[channel].add(socket);
    socket.once('close', () => this.sockets[channel].delete(socket));
  }

  of(channel: Channel): ReadonlySet<WebSocket> {
    return this.sockets[channel];
  }

  count(channel: Channel): number {
    return this.sockets[channel].size;
  }

  /** Tells the user something about the session (warnings, refusals) on every control socket. */
  notice(kind: NoticeKind, message: string, secondsLeft?: number): void {
    this.broadcast('control', {
      type: 'notice',
      kind,
      message,
      ...(secondsLeft === undefined ? {} : { secondsLeft }),
    });
  }

  broadcast(channel: Channel, message: ControlServerMessage | object): void {
    const text = JSON.stringify(message);
    for (const socket of this.sockets[channel]) if (socket.readyState === socket.OPEN) socket.send(text);
  }

  /** Every socket learns why (an error message, then the close code and reason) before it closes. */
  closeAll(entry: CloseEntry, detail: string): void {
    const reason: WsErrorMessage = { type: 'error', code: entry.reason, message: detail.slice(0, 1024) };
    const text = JSON.stringify(reason);
    for (const sockets of Object.values(this.sockets)) {
      for (const socket of sockets) {
        if (socket.readyState !== socket.OPEN) continue;
        socket.send(text);
        socket.close(entry.code, entry.reason);
      }
    }
  }
}

/** One refused message on a socket that stays open. */
export function sendError(socket: WebSocket, entry: CloseEntry, message: string): void {
  if (socket.readyState !== socket.OPEN) return;
  const error: WsErrorMessage = { type: 'error', code: entry.reason, message: message.slice(0, 1024) };
  socket.send(JSON.stringify(error));
}
