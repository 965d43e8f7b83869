import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from '@webstream/testing';
import { Redis } from 'ioredis';

/** A key prefix of a suite's own on the test Redis (`test:<random>:`), so suites never see each other's keys. */
export function testKeyPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` on the test Redis. */
export async function deleteKeys(prefix: string): Promise<void> {
  const cleaner = new Redis(TEST_REDIS_URL);
  try {
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  } finally {
    await cleaner.quit();
  }
}
