import { randomUUID } from 'node:crypto';
import { CUSTOMER_STREAM_TYPE, type CustomerForgotten, customerEventSchemaVersions, customerStreamId } from '../domain/customer/events.js';
import type { EventStore } from '../eventstore/eventStore.js';
import type { Erasure } from '../privacy/keyStore.js';
import type { Keyring } from '../privacy/keyring.js';

export type Forgotten = { customerId: string; forgottenAt: string; keysDestroyed: number; position: number };

/**
 * Forgets a customer: destroys their data keys (one transaction in the key store, so from then on
 * every sealed value of theirs reads as erased, on every instance), then records CustomerForgotten in
 * the log. A crash between the two leaves the keys gone and the event unwritten: `recordErasures`
 * (run at start and after every forget) writes it. The event's idempotency key is the erasure's id, so it is written once
 * however often this runs; forgetting a forgotten customer answers with the first erasure.
 */
export async function forgetCustomer(
  keyring: Keyring,
  store: EventStore,
  customerId: string,
  by: { userId: string; correlationId: string; now: string },
): Promise<Forgotten> {
  const erasure = await keyring.destroyKeys(customerId, by.now);
  const position = await record(keyring, store, erasure, by);
  // Any other erasure still without its event (a crash, or a repeat answered with an older erasure) gets it now.
  await recordErasures(keyring, store, by);
  return { customerId, forgottenAt: erasure.erasedAt, keysDestroyed: erasure.keyIds.length, position };
}

/** Writes the events of erasures a crash left unrecorded; returns how many. */
export async function recordErasures(
  keyring: Keyring,
  store: EventStore,
  by: { userId: string; correlationId: string; now: string },
): Promise<number> {
  const unrecorded = await keyring.unrecordedErasures();
  for (const erasure of unrecorded) await record(keyring, store, erasure, by);
  return unrecorded.length;
}

async function record(
  keyring: Keyring,
  store: EventStore,
  erasure: Erasure,
  by: { userId: string; correlationId: string; now: string },
): Promise<number> {
  const event: CustomerForgotten = {
    type: 'CustomerForgotten',
    data: { customerId: erasure.customerId, erasureId: erasure.erasureId, keyIds: erasure.keyIds, forgottenAt: erasure.erasedAt },
  };
  const commandId = `forget-customer:${erasure.erasureId}`;
  const result = await store.append(
    customerStreamId(erasure.customerId),
    CUSTOMER_STREAM_TYPE,
    [
      {
        eventId: randomUUID(),
        type: event.type,
        schemaVersion: customerEventSchemaVersions.CustomerForgotten,
        data: event.data,
        metadata: { userId: by.userId, correlationId: by.correlationId, causationId: commandId, commandId, occurredAt: by.now },
      },
    ],
    { expectedVersion: 'any', idempotencyKey: commandId },
  );
  if (!erasure.recorded) await keyring.markRecorded(erasure.erasureId);
  return result.lastPosition;
}
