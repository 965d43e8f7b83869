import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ConflictException, Injectable } from '@nestjs/common';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Which secret of which provider a sealed value is: a value copied to another row or field does not open. */
export type SecretSlot = 'oidcClientSecret' | 'samlSpPrivateKey';

/**
 * Identity providers' secrets as IAM stores them: AES-256-GCM under a key derived (HKDF-SHA256) from
 * accessManagement.secretsKey, with the provider and the field as associated data. A database dump alone does
 * not give a client secret away.
 */
@Injectable()
export class ProviderSecrets {
  private readonly key: Buffer | undefined;

  constructor(@InjectIamSettings() settings: IamSettings) {
    const secretsKey = settings.sso.secretsKey;
    this.key =
      secretsKey === undefined
        ? undefined
        : Buffer.from(hkdfSync('sha256', secretsKey, 'webstream-iam', 'identity-provider-secrets', 32));
  }

  seal(providerId: string, slot: SecretSlot, plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.requireKey(), iv);
    cipher.setAAD(Buffer.from(`${providerId}/${slot}`));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  open(providerId: string, slot: SecretSlot, sealed: string): string {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || body === undefined) {
      throw new Error(`the ${slot} of identity provider ${providerId} is not a sealed value`);
    }
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${providerId}/${slot}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  private requireKey(): Buffer {
    if (this.key === undefined) {
      throw new ConflictException(
        'accessManagement.secretsKey is not set: IAM cannot keep identity providers’ secrets without it',
      );
    }
    return this.key;
  }
}
