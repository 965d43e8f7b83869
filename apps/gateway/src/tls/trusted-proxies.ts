import { type IncomingMessage } from 'node:http';
import { type TLSSocket } from 'node:tls';
import { type INestApplication } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import proxyaddr from 'proxy-addr';

/** Which peers may speak for the client through X-Forwarded-*: a list of IPs/CIDRs, or a compiled rule. */
export type ProxyTrust = readonly string[] | ((address: string, hop: number) => boolean);

const compiled = new WeakMap<readonly string[], (address: string, hop: number) => boolean>();

/** The compiled form of a trust list (cached per list, so the config's array compiles once). */
export function proxyTrust(trusted: ProxyTrust): (address: string, hop: number) => boolean {
  if (typeof trusted === 'function') return trusted;
  let trust = compiled.get(trusted);
  if (trust === undefined) {
    trust = proxyaddr.compile([...trusted]);
    compiled.set(trusted, trust);
  }
  return trust;
}

/**
 * The client's address as Express's `req.ip` gives it under `trust proxy` = `trusted`: the socket's
 * peer, unless that peer is a trusted proxy, in which case X-Forwarded-For is walked from the right
 * while the hops are trusted. For raw requests and WebSocket upgrades that never reach Express.
 * Undefined only when the socket is already gone.
 */
export function clientAddress(req: IncomingMessage, trusted: ProxyTrust): string | undefined {
  // Typed string, but undefined when the socket has closed and lost its peer address.
  const address: string | undefined = proxyaddr(req, proxyTrust(trusted));
  return address;
}

/**
 * 'https' or 'http' as Express's `req.protocol` gives it: the socket's own, unless the peer is a trusted
 * proxy, which may say what the client used in X-Forwarded-Proto.
 */
export function clientProtocol(req: IncomingMessage, trusted: ProxyTrust): 'http' | 'https' {
  const own = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  const peer = req.socket.remoteAddress;
  if (peer === undefined || !proxyTrust(trusted)(peer, 0)) return own;
  const header = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https' || first === 'http' ? first : own;
}

/** Makes Express's req.ip, req.ips and req.protocol honour X-Forwarded-* from exactly these peers. */
export function applyTrustedProxies(app: INestApplication, trusted: readonly string[]): void {
  (app as NestExpressApplication).set('trust proxy', proxyTrust(trusted));
}
