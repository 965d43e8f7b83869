import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM certificate (self-signed, CN=localhost, SAN localhost and 127.0.0.1): the CA a client trusts. */
  cert: string;
  certPath: string;
  keyPath: string;
  /** The same certificate and key as PKCS#12, encrypted with `password`. */
  pfxPath: string;
  password: string;
}

/** Makes a self-signed certificate with openssl, as PEM files and as a password-protected PFX. */
export function makeTestCertificate(dir: string, password: string): TestCertificate {
  const keyPath = join(dir, 'webstream.key');
  const certPath = join(dir, 'webstream.crt');
  const pfxPath = join(dir, 'webstream.pfx');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  );
  openssl(
    'pkcs12',
    '-export',
    '-in',
    certPath,
    '-inkey',
    keyPath,
    '-out',
    pfxPath,
    '-passout',
    `pass:${password}`,
  );
  return { cert: readFileSync(certPath, 'utf8'), certPath, keyPath, pfxPath, password };
}
