import { type z } from 'zod';

/**
 * A client's `?codecs=` list, best first: the codecs of `schema` it names, each once, in its order; unknown
 * names are skipped (a newer client may know more); `fallback` when it names nothing known.
 */
export function parseCodecList<T extends string>(
  schema: z.ZodType<T>,
  value: string | null | undefined,
  fallback: T,
): T[] {
  const named = (value ?? '')
    .split(',')
    .map((token) => schema.safeParse(token.trim()))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  const unique = [...new Set(named)];
  return unique.length === 0 ? [fallback] : unique;
}
