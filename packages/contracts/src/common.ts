import { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
}

// Offsets are accepted because peers may not all emit UTC; `Date#toISOString()` output always passes.
export const isoDateTimeSchema = z.iso.datetime({ offset: true });

// The httpProtocol regex also makes zod insist on "://", so "http:host" is rejected instead of being normalised.
export const httpUrlSchema = z.url({ protocol: z.regexes.httpProtocol }).max(2048);

export const percentageSchema = z.number().min(0).max(100);

export const portSchema = z.int().min(1).max(65535);

export const nonNegativeIntSchema = z.int().min(0);

// IAM ids (workspace, app, user, org) are opaque strings: the contracts do not assume a UUID or cuid format.
export const entityIdSchema = z.string().min(1).max(128);

/** A W3C trace context `traceparent` (version-traceid-spanid-flags): the trace a record was made in. */
export const traceparentSchema = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

export const workspaceTypeSchema = z.enum(['app', 'desktop']);
export type WorkspaceType = z.infer<typeof workspaceTypeSchema>;

export const appExeSchema = z.string().min(1).max(1024);

// Kept modest: the arguments travel percent-encoded in an HTTP header on every proxied request.
export const appArgsSchema = z.string().max(4096);
