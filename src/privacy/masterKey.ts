import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** AES-256: 32 bytes. */
export const MASTER_KEY_BYTES = 32;

/**
 * ORDERSTREAM_MASTER_KEY: 32 bytes as base64 (44 characters, `openssl rand -base64 32`) or hex (64).
 * It wraps every customer's data key; lose it and no personal data can be read again.
 */
export function parseMasterKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/]{43}=$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  return key?.length === MASTER_KEY_BYTES ? key : undefined;
}

/**
 * Development only (no ORDERSTREAM_MASTER_KEY, and not NODE_ENV=production): the key kept in
 * `<databaseFile>.master-key`, made on first start. It sits next to the data it protects, which is
 * why production refuses to run without a configured key.
 */
export function developmentMasterKey(databaseFile: string): { key: Buffer; file: string; created: boolean } {
  const file = `${databaseFile}.master-key`;
  if (!existsSync(file)) {
    const key = randomBytes(MASTER_KEY_BYTES);
    try {
      // 'wx': never overwrite a key another process wrote meanwhile; read theirs instead.
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return { key, file, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = parseMasterKey(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} holds no master key (32 bytes as base64); delete it only with the data it protects`);
  return { key, file, created: false };
}
