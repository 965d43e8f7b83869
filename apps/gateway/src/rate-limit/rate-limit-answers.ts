import { type ServerResponse } from 'node:http';
import { type Duplex } from 'node:stream';
import { type ErrorEnvelope } from '@webstream/contracts';
import { currentCorrelationId } from '@webstream/service-kit';
import { type RateDecision, type RatePolicyState } from './rate-decision';

/** How long a refused upgrade's socket may stay open for the client to close it. */
const UPGRADE_REFUSAL_LINGER_MS = 5_000;

/** An sf-string (RFC 8941): the policy names are ours, but quote them properly all the same. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function policyItem(policy: RatePolicyState): string {
  // The draft's window is whole seconds ("subsecond precision is not supported"): a fractional one is left out.
  const window = Number.isInteger(policy.windowSeconds) ? `;w=${policy.windowSeconds}` : '';
  return `${sfString(policy.name)};q=${policy.limit}${window}`;
}

/**
 * The rate-limit headers of an answer. The IETF draft's current form (draft-ietf-httpapi-ratelimit-headers
 * -08 to -11, whose RateLimit-Limit/-Remaining/-Reset trio of -06 and `limit=, remaining=, reset=` of -07
 * are gone): `RateLimit-Policy` lists every policy charged (`"session-identity";q=60;w=60,
 * "session-tenant";q=1200;w=60`) and `RateLimit` the one with the fewest remaining, as the draft requires
 * (`"session-identity";r=0;t=42`, t in seconds from now and, on a 429, the same moment as Retry-After).
 * The de-facto X-RateLimit-Limit and X-RateLimit-Remaining report that same policy, and X-RateLimit-Reset,
 * as GitHub's API and express-rate-limit have it, the moment in Unix epoch seconds. Retry-After (seconds)
 * on a refusal only.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const { binding } = decision;
  const headers: Record<string, string> = {
    'RateLimit-Policy': decision.policies.map(policyItem).join(', '),
    RateLimit: `${sfString(binding.name)};r=${binding.remaining};t=${binding.resetSeconds}`,
    'X-RateLimit-Limit': String(binding.limit),
    'X-RateLimit-Remaining': String(binding.remaining),
    'X-RateLimit-Reset': String(Math.ceil(decision.decidedAt / 1000) + binding.resetSeconds),
  };
  if (decision.retryAfterSeconds !== undefined) headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}

/** Puts the rate-limit headers on an answer not yet sent (an Express Response is a ServerResponse too). */
export function writeHeaders(res: ServerResponse, decision: RateDecision): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) res.setHeader(name, value);
}

function refusal(decision: RateDecision): ErrorEnvelope {
  const { binding } = decision;
  const whose = binding.scope === 'tenant' ? "your organization's" : 'your';
  const message =
    `too many requests: ${whose} limit on ${decision.group} requests is ${binding.limit} in ` +
    `${binding.windowSeconds} s; retry in ${decision.retryAfterSeconds ?? binding.resetSeconds} s`;
  const correlationId = currentCorrelationId();
  return {
    error: {
      status: 429,
      code: 'rate_limited',
      message,
      ...(correlationId === undefined ? {} : { correlationId }),
    },
  };
}

/** Answers a refused request: 429, the headers, and the error envelope. */
export function sendRateLimited(res: ServerResponse, decision: RateDecision): void {
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(refusal(decision));
  writeHeaders(res, decision);
  res.writeHead(429, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * Refuses a WebSocket upgrade (the socket is still plain HTTP/1.1): a raw `HTTP/1.1 429 Too Many Requests`
 * with the headers and the error envelope, and the connection closed.
 */
export function refuseUpgrade(socket: Duplex, decision: RateDecision): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(refusal(decision));
  const lines = [
    'HTTP/1.1 429 Too Many Requests',
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(rateLimitHeaders(decision)).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // Read (and drop) whatever the client still sends, so its close is seen and the socket goes; one that
  // keeps it open is cut after a grace period rather than held forever. Not destroyed at once: closing
  // with unread data sends a reset, which can overtake the answer.
  socket.resume();
  const linger = setTimeout(() => socket.destroy(), UPGRADE_REFUSAL_LINGER_MS).unref();
  socket.once('close', () => clearTimeout(linger));
}
