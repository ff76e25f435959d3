import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { OrderEvent } from './orderEvent.type.js';
import { openShipping } from './openShipping.js';
import { ShippingDetails } from './shippingDetails.type.js';

/** Fields of an order's event beyond its stored payload. */
@Resolver(() => OrderEvent)
export class OrderEventResolver {
  @FieldResolver(() => ShippingDetails, {
    nullable: true,
    description:
      "An OrderPlaced's shipping details, opened with the customer's key (its `data` holds them sealed); null for other events and orders without.",
  })
  shipping(@Root() event: OrderEvent, @Ctx() ctx: GraphQLContext): Promise<ShippingDetails | null> | null {
    if (event.type !== 'OrderPlaced') return null;
    const { shipping, customerId, orderId } = event.data as { shipping?: string | null; customerId: string; orderId: string };
    return openShipping(ctx.personalData, shipping ?? null, { id: orderId, customerId });
  }
}
