import { GraphQLDateTime, GraphQLJSON, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { StoredEvent } from '../../eventstore/eventStore.js';

@ObjectType({ description: 'One event of an order, as stored in the event log.' })
export class OrderEvent {
  @Field(() => ID)
  eventId!: string;

  @Field(() => String, { description: 'Past tense: OrderPlaced, PaymentReceived, OrderShipped, OrderCancelled.' })
  type!: string;

  @Field(() => Int, { description: "The event's version within the order's stream: 1, 2, 3, …" })
  version!: number;

  @Field(() => GraphQLSafeInt, { description: 'Global position in the event log.' })
  position!: number;

  @Field(() => Int, { description: "The version of the data's shape." })
  schemaVersion!: number;

  @Field(() => GraphQLDateTime)
  occurredAt!: string;

  @Field(() => GraphQLJSON, {
    description:
      "The payload in its current shape; amounts are integers at the payload's `scale` decimals (amountMinor 1234 at scale 3 is 1.234).",
  })
  data!: unknown;

  @Field(() => String, { description: 'Who sent the command.' })
  userId!: string;

  @Field(() => String, { description: 'Shared by every event of one conversation (x-correlation-id).' })
  correlationId!: string;

  @Field(() => String, { description: 'The id of the command or event that caused this one.' })
  causationId!: string;

  @Field(() => String)
  commandId!: string;
}

@ObjectType({ description: 'One event of the log, of any stream.' })
export class Event extends OrderEvent {
  @Field(() => ID, { description: 'The stream: for an order, "order-" followed by the order id.' })
  streamId!: string;

  @Field(() => String, { description: 'The kind of stream, e.g. "Order".' })
  streamType!: string;
}

export function toEvent(event: StoredEvent): Event {
  return { ...toOrderEvent(event), streamId: event.streamId, streamType: event.streamType };
}

export function toOrderEvent(event: StoredEvent): OrderEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    version: event.version,
    position: event.position,
    schemaVersion: event.schemaVersion,
    data: event.data,
    ...event.metadata,
  };
}
