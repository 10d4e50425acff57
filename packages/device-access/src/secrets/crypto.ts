import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RunError } from '../errors.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Reads NETAUTO_SECRET_KEY: 32 random bytes as base64 or hex
 * (`openssl rand -base64 32`).
 */
export function parseSecretKey(value: string | undefined): Buffer {
  if (!value) {
    throw new RunError(
      'missing_secret',
      'NETAUTO_SECRET_KEY is not set: db: credentials need it (32 bytes, e.g. `openssl rand -base64 32`)',
    );
  }
  const key = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new RunError('missing_secret', 'NETAUTO_SECRET_KEY must be 32 bytes, as base64 or hex');
  }
  return key;
}

/** AES-256-GCM; the credential's name is bound in as associated data. */
export function encryptSecret(key: Buffer, name: string, plaintext: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function decryptSecret(key: Buffer, name: string, blob: Buffer): string {
  try {
    if (blob[0] !== VERSION) throw new Error('unknown version');
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new RunError(
      'missing_secret',
      `credential db:${name} cannot be decrypted with this NETAUTO_SECRET_KEY`,
    );
  }
}
