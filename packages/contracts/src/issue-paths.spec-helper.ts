import { expect } from 'vitest';
import { type z } from 'zod';

/** The paths of the issues `schema` finds in `input`, which it must refuse. */
export function issuePaths(schema: z.ZodType, input: unknown): PropertyKey[][] {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error?.issues.map((issue) => issue.path) ?? [];
}
