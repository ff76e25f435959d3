import type { OrderPlaced } from '../events.js';
import type { OrderPlacedV3 } from './hundredths.js';
import { isRecord } from './legacyEvent.js';

/** OrderPlaced v3 → v4: orders from before shipping details had none (`shipping: null`). */
export function upcastOrderPlacedV3(event: { data: unknown }): OrderPlaced['data'] {
  if (!isRecord(event.data)) throw new Error('data must be an object');
  return { ...(event.data as OrderPlacedV3), shipping: null };
}
