import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Event } from '../order/orderEvent.type.js';

@ObjectType({ description: 'A page of the event log, in position order.' })
export class EventConnection {
  @Field(() => [Event])
  nodes!: Event[];

  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => GraphQLSafeInt, {
    description: 'The position of the last event of this page (or `after` when the page is empty): pass it as `after`.',
  })
  endPosition!: number;
}
