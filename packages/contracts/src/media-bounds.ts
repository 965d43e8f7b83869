import { z } from 'zod';

/** Remote screen dimensions and coordinates are pixels of the remote display. */
export const MAX_SCREEN_DIMENSION = 16384;

export const screenDimensionSchema = z.int().min(1).max(MAX_SCREEN_DIMENSION);
export const screenCoordinateSchema = z.int().min(0).max(MAX_SCREEN_DIMENSION);
export const sequenceSchema = z.int().min(0);
/** Milliseconds since the Unix epoch; may be fractional. */
export const epochMillisSchema = z.number().min(0);
export const payloadByteLengthSchema = z
  .int()
  .min(0)
  .max(64 * 1024 * 1024);
