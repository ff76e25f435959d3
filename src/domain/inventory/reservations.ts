/**
 * A product's open reservations, orderId → quantity held, split into buckets by a hash of the
 * order id. Recording or ending one copies one bucket, not every reservation: a product with
 * thousands of orders awaiting shipment costs each new reservation a few hundred copies, not
 * thousands. Plain arrays and objects, so a snapshot's JSON holds them as they are.
 *
 * The hash and BUCKETS decide where a snapshot keeps each order: changing either changes the
 * snapshot shape (bump PRODUCT_STATE_SCHEMA_VERSION).
 */
export type Reservations = readonly Readonly<Record<string, number>>[];

const BUCKETS = 128;

export const noReservations = (): Reservations => Array.from({ length: BUCKETS }, () => ({}));

function bucketOf(orderId: string): number {
  let hash = 0;
  for (let index = 0; index < orderId.length; index++) hash = (Math.imul(hash, 31) + orderId.charCodeAt(index)) | 0;
  return (hash >>> 0) % BUCKETS;
}

/** The quantity held for the order, or undefined when it holds none. */
export function heldFor(reservations: Reservations, orderId: string): number | undefined {
  return reservations[bucketOf(orderId)]![orderId];
}

export function withHeld(reservations: Reservations, orderId: string, quantity: number): Reservations {
  const bucket = bucketOf(orderId);
  const next = reservations.slice();
  next[bucket] = { ...reservations[bucket], [orderId]: quantity };
  return next;
}

export function withoutHeld(reservations: Reservations, orderId: string): Reservations {
  const bucket = bucketOf(orderId);
  if (reservations[bucket]![orderId] === undefined) return reservations;
  const { [orderId]: _ended, ...kept } = reservations[bucket]!;
  const next = reservations.slice();
  next[bucket] = kept;
  return next;
}

/** Every open reservation, orderId → quantity: for reports and tests, not for each event. */
export function allHeld(reservations: Reservations): Record<string, number> {
  return Object.assign({}, ...reservations);
}
