import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads `.env` from the working directory into process.env when there is one: `NAME=value` lines, `#`
 * comments, quoted values (multi-line in double quotes, e.g. a PEM key). A variable set in the
 * environment wins over the file, even when set to the empty string. Returns the file loaded, if
 * any. Node 20.12+ (`process.loadEnvFile`); older ones are told so when a file is present.
 */
export function loadEnvFile(file = '.env'): string | undefined {
  const path = resolve(file);
  if (!existsSync(path)) return undefined;
  if (typeof process.loadEnvFile !== 'function') {
    throw new Error(`Reading ${path} needs Node 20.12 or newer (this is ${process.version}); set the variables in the environment instead`);
  }
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return path;
}
