// The cost floor of a login: argon2id with IAM's parameters (packages/iam/src/auth/password-hasher.ts),
// computed in the bench process by the same library, as many at once as there are login clients.
import { hash, verify } from '@node-rs/argon2';
import { closedLoop, type LoadResult } from './load';

/** 2 = Algorithm.Argon2id (a const enum, which isolated modules cannot read); OWASP's 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * verify() of a stored hash, which is what a login computes: one argon2id hash of the presented password with
 * the stored salt and parameters, then a comparison. @node-rs/argon2 runs it on libuv's thread pool.
 */
export async function argon2Baseline(options: {
  clients: number;
  warmupSeconds: number;
  seconds: number;
}): Promise<LoadResult> {
  const password = 'bench-argon2-password';
  const stored = await hash(password, ARGON2_OPTIONS);
  return closedLoop({
    label: `argon2id verify in the bench process (m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism})`,
    clients: options.clients,
    warmupSeconds: options.warmupSeconds,
    seconds: options.seconds,
    call: async () =>
      (await verify(stored, password)) ? { ok: true } : { ok: false, problem: 'verify() said no' },
  });
}
