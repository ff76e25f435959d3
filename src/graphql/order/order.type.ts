import { GraphQLDateTime, GraphQLLocalDate, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { OrderView } from '../../projections/orderView/view.js';
import { Money, money } from './money.type.js';
import { OrderEvent } from './orderEvent.type.js';
import { OrderStatus } from './orderStatus.enum.js';

@ObjectType({ description: 'One line of an order.' })
export class OrderItem {
  @Field(() => ID)
  productId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Money)
  unitPrice!: Money;

  @Field(() => Money, { description: 'unitPrice × quantity.' })
  lineTotal!: Money;
}

@ObjectType({ description: 'An order as the read side sees it after the events up to `version`.' })
export class Order {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => [OrderItem])
  items!: OrderItem[];

  @Field(() => Int, { description: 'The number of units ordered: the sum of the quantities.' })
  itemCount!: number;

  @Field(() => Money, { description: 'Computed by the server from the items; never taken from the client.' })
  total!: Money;

  @Field(() => String, { nullable: true })
  paymentId!: string | null;

  @Field(() => String, { nullable: true })
  paymentMethod!: string | null;

  @Field(() => String, { nullable: true })
  trackingNumber!: string | null;

  @Field(() => String, { nullable: true })
  carrier!: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  estimatedDelivery!: string | null;

  @Field(() => String, { nullable: true })
  cancellationReason!: string | null;

  @Field(() => Money, { nullable: true, description: 'What a cancellation paid back: zero when the order was unpaid.' })
  refund!: Money | null;

  @Field(() => GraphQLDateTime)
  placedAt!: string;

  @Field(() => GraphQLDateTime)
  updatedAt!: string;

  @Field(() => Int, { description: 'The version of the last event applied; pass it as expectedVersion.' })
  version!: number;

  @Field(() => GraphQLSafeInt, { description: 'The global log position of the last event applied.' })
  position!: number;

  /** The shipping details as stored, sealed; OrderResolver's `shipping` opens them for whoever may see the order. */
  sealedShipping!: string | null;

  /** Resolved by OrderResolver from the event log. */
  @Field(() => [OrderEvent], { description: "The order's events, oldest first, read from the event log." })
  history?: OrderEvent[];
}

export function toOrder(view: OrderView): Order {
  const { totalMinor, refundMinor, items, status, ...rest } = view;
  return {
    ...rest,
    status: OrderStatus[status],
    total: money(totalMinor, view.currency),
    refund: refundMinor === null ? null : money(refundMinor, view.currency),
    items: items.map((item) => ({
      productId: item.productId,
      name: item.name,
      quantity: item.quantity,
      unitPrice: money(item.unitPriceMinor, view.currency),
      lineTotal: money(item.lineTotalMinor, view.currency),
    })),
  };
}
