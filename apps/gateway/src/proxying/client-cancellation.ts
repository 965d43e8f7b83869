import { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** Requests whose client went away: their upstream request was ended on purpose, not by a failing peer. */
const cancelled = new WeakSet<IncomingMessage>();

/**
 * Ends the upstream request when the client goes away before its answer is complete, so the peer stops working
 * for nobody (http-proxy only listens for 'aborted', which a request whose body has arrived never emits).
 */
export function cancelWithClient(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
  res.once('close', () => {
    if (res.writableFinished) return;
    cancelled.add(req);
    proxyReq.destroy();
  });
}

/** Whether the upstream request failed because cancelWithClient ended it: no peer failure, nobody to tell. */
export function wasCancelled(req: IncomingMessage): boolean {
  return cancelled.has(req);
}
