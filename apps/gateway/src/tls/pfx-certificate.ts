import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { type WebstreamConfig } from '@webstream/config';
import { ServiceStartupError } from '@webstream/service-kit';

export const PFX_FILE_KEY = 'webstreamSettings.serverPfxCertificateFile';
export const PFX_SECRET_KEY = 'webstreamSettings.serverPfxSecret';

export interface PfxCertificate {
  /** The file read, resolved against the working directory. */
  path: string;
  pfx: Buffer;
  passphrase: string;
}

/**
 * Reads the PKCS#12 certificate the gateway terminates TLS with, and proves it decrypts with its secret,
 * or returns undefined when none is configured (HTTPS off). A file that cannot be read or used fails with
 * a message naming the config key at fault; the secret itself never appears in it.
 */
export function loadPfxCertificate(
  settings: WebstreamConfig['webstreamSettings'],
  cwd = process.cwd(),
): PfxCertificate | undefined {
  if (settings.serverPfxCertificateFile === undefined) return undefined;
  const path = resolve(cwd, settings.serverPfxCertificateFile);
  const passphrase = settings.serverPfxSecret ?? '';
  let pfx: Buffer;
  try {
    pfx = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read by this process (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory, not a .pfx file'
            : `cannot be read (${code ?? (error as Error).message})`;
    throw new ServiceStartupError(`${PFX_FILE_KEY}: ${path} ${why}`, { cause: error });
  }
  try {
    createSecureContext({ pfx, passphrase });
  } catch (error) {
    const reason = (error as Error).message;
    if (/mac verify failure|invalid password/i.test(reason)) {
      throw new ServiceStartupError(
        `${PFX_SECRET_KEY} does not decrypt ${PFX_FILE_KEY} (${path}): wrong password`,
        { cause: error },
      );
    }
    throw new ServiceStartupError(
      `${PFX_FILE_KEY}: ${path} is not a usable PKCS#12 certificate with its private key (${reason}); ` +
        `check the file and ${PFX_SECRET_KEY}`,
      { cause: error },
    );
  }
  return { path, pfx, passphrase };
}
