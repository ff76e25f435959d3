// How long and with which draws the crash tests run: fixed by default, so a failure replays.

export const SEED_VARIABLE = 'ORDERSTREAM_CRASH_SEED';
export const CYCLES_VARIABLE = 'ORDERSTREAM_CRASH_CYCLES';
export const DEFAULT_SEED = 12345;

/** The seed of every random draw of the crash tests and the soak: ORDERSTREAM_CRASH_SEED, else 12345. */
export function crashSeed(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[SEED_VARIABLE];
  return value === undefined || value === '' ? DEFAULT_SEED : parseSeed(value, SEED_VARIABLE);
}

/** A seed as given in `name` (an env var, `--seed`): an unsigned 32-bit integer. */
export function parseSeed(value: string, name: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || seed > 0xffffffff) throw new Error(`${name} must be an integer from 0 to 4294967295, got "${value}"`);
  return seed;
}

/** How many kill -9 cycles a crash test runs: ORDERSTREAM_CRASH_CYCLES (`npm run test:crash` sets 200), else its default. */
export function crashCycles(defaultCycles: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[CYCLES_VARIABLE];
  if (value === undefined || value === '') return defaultCycles;
  const cycles = Number(value);
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`${CYCLES_VARIABLE} must be a positive integer, got "${value}"`);
  return cycles;
}

/** The line a crash test prints first, e.g. `crash loop seed 12345 (ORDERSTREAM_CRASH_SEED=12345 replays it)`. */
export function seedLine(what: string, seed: number): string {
  return `${what} seed ${seed} (${SEED_VARIABLE}=${seed} replays it)`;
}
