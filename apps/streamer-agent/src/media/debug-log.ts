import { type MediaLogger } from './media';

/** MediaLogger.debug is optional (the interface predates it); without it, per-event detail is dropped. */
export function debugLog(logger: MediaLogger, obj: object, msg: string): void {
  logger.debug?.(obj, msg);
}
