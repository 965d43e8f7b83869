import { z } from 'zod';

export const errorCodeSchema = z.enum([
  'validation_failed',
  'invalid_json',
  'unsupported_media_type',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'payload_too_large',
  'bad_gateway',
  'service_unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorFieldSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type ErrorField = z.infer<typeof errorFieldSchema>;

export const errorBodySchema = z.object({
  status: z.int().min(400).max(599),
  code: errorCodeSchema,
  message: z.string(),
  fields: z.array(errorFieldSchema).optional(),
  errorId: z.string().optional(),
  correlationId: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const errorEnvelopeSchema = z.object({ error: errorBodySchema });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export const statusForErrorCode = {
  validation_failed: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'validation_failed';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 502:
    case 504:
      return 'bad_gateway';
    case 503:
      return 'service_unavailable';
    default:
      // Any other 4xx is still the caller's mistake; anything else is ours.
      return status >= 400 && status < 500 ? 'validation_failed' : 'internal';
  }
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Renders a zod issue path as `tags[2]`, `gateway.port`, `X-App-Exe` or `headers["x-user-id"]`; the empty
 * path is `(root)`. A leading key is printed as is, so header names read naturally.
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${String(segment)}]`;
    else if (out === '') out = segment === '' ? '[""]' : segment;
    else if (identifier.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

export function zodIssuesToFields(error: z.ZodError): ErrorField[] {
  const fields: ErrorField[] = [];
  for (const issue of error.issues) {
    // zod reports unknown keys once at the parent; the client needs to know which field to remove.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        fields.push({ path: formatIssuePath([...issue.path, key]), message: 'Unrecognized field' });
      }
      continue;
    }
    fields.push({ path: formatIssuePath(issue.path), message: issue.message });
  }
  return fields;
}
