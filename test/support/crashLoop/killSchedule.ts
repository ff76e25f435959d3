import type { Random } from '../seededRandom.js';

/** When each cycle's kill -9 comes, in ms after the writers start: uniformly in [min, max], drawn from `random`. */
export function killSchedule(random: Random, [min, max]: readonly [number, number]): () => number {
  return () => Math.round(min + random() * (max - min));
}
