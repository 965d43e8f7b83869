import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

const FAMILY_WILD = 0xffff;

/**
 * Writes an Xauthority file with one MIT-MAGIC-COOKIE-1 for any host and display number, so it can be written
 * before Xvfb picks its display (-displayfd) and no other local user can connect to the session's display.
 * Returns the cookie, for the streamer's own connection (screen damage).
 */
export async function writeXauthority(path: string): Promise<Buffer> {
  const cookie = randomBytes(16);
  const family = Buffer.alloc(2);
  family.writeUInt16BE(FAMILY_WILD);
  const entry = Buffer.concat([
    family,
    counted(Buffer.alloc(0)), // address: any
    counted(Buffer.alloc(0)), // display number: any
    counted(Buffer.from('MIT-MAGIC-COOKIE-1')),
    counted(cookie),
  ]);
  await writeFile(path, entry, { mode: 0o600 });
  return cookie;
}

function counted(data: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(data.length);
  return Buffer.concat([length, data]);
}
