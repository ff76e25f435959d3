import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A value sealed with AES-256-GCM under one data key: `<format>.<keyId>.<nonce>.<ciphertext>.<tag>`
 * (base64url parts). A fresh 96-bit nonce per value; `context` is authenticated with it, so a sealed
 * value moved to another record does not open there. The format says which context the sealer used
 * (the Keyring's business): `ps1` a customer's (and wrapped keys'), `ps2` a customer's record.
 * Naming the key lets a reader tell an erased key from a missing one.
 */
export type SealFormat = 'ps1' | 'ps2';
const FORMATS: readonly string[] = ['ps1', 'ps2'] satisfies SealFormat[];
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class UnreadableSealError extends Error {
  constructor(reason: string) {
    super(`A sealed value cannot be read: ${reason}`);
    this.name = 'UnreadableSealError';
  }
}

export function seal(key: Buffer, keyId: string, plaintext: string, context: string, format: SealFormat): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [format, keyId, nonce, ciphertext, cipher.getAuthTag()].map(part).join('.');
}

/** The plaintext; UnreadableSealError when the value is not one, or was sealed under another key or context, or changed since. */
export function open(key: Buffer, sealed: string, context: string): string {
  const { nonce, ciphertext, tag } = partsOf(sealed);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableSealError('it does not authenticate (tampered with, or sealed under another key or for another customer)');
  }
}

/** The id of the key a value was sealed under, and its format; UnreadableSealError when it is no sealed value. */
export function sealOf(sealed: string): { keyId: string; format: SealFormat } {
  const { keyId, format } = partsOf(sealed);
  return { keyId, format };
}

function partsOf(sealed: string): { format: SealFormat; keyId: string; nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const parts = sealed.split('.');
  if (parts.length !== 5 || !FORMATS.includes(parts[0]!) || parts[1] === '') throw new UnreadableSealError('it is not a sealed value');
  const [format, keyId, nonce, ciphertext, tag] = parts as [SealFormat, string, string, string, string];
  const bytes = {
    nonce: Buffer.from(nonce, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (bytes.nonce.length !== NONCE_BYTES || bytes.tag.length !== TAG_BYTES) throw new UnreadableSealError('it is not a sealed value');
  return { format, keyId, ...bytes };
}

function part(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('base64url');
}
