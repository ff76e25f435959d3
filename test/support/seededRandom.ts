/** Like Math.random (uniform in [0, 1)), but the same sequence every time for the same seed. */
export type Random = () => number;

/**
 * A seeded source for one consumer. Each consumer (a client, the kill schedule) gets its own
 * `stream`, so the draws of one never shift another's, whatever order they run in.
 */
export function seededRandom(seed: number, stream = ''): Random {
  return mulberry32((seed ^ fnv1a(stream)) >>> 0);
}

/** mulberry32: a 32-bit PRNG, small and good enough to draw test data (not for secrets). */
function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}
