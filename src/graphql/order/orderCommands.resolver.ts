import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import { ForbiddenError } from '../../auth/forbiddenError.js';
import type { GraphQLContext } from '../context.js';
import { authorizeOrderCommand } from './orderAccess.js';
import { CancelOrderInput } from './cancelOrder.input.js';
import { Order } from './order.type.js';
import { PlaceOrderInput } from './placeOrder.input.js';
import { ReceivePaymentInput } from './receivePayment.input.js';
import { runCommand } from './runCommand.js';
import { ShipOrderInput } from './shipOrder.input.js';

/** Mutations: each turns its input into one command. The rules live in the domain. */
@Resolver()
export class OrderCommandsResolver {
  @Mutation(() => Order, { description: 'Places an order; the server computes the total from the items. Customers (for themselves) and admins.' })
  placeOrder(@Arg('input', () => PlaceOrderInput) input: PlaceOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['customer', 'admin'], 'place orders');
    if (principal.role === 'customer' && input.customerId !== principal.customerId) {
      throw new ForbiddenError(`You can place orders only for yourself (customerId ${principal.customerId})`);
    }
    const now = new Date().toISOString();
    const command = {
      type: 'PlaceOrder' as const,
      data: {
        orderId: input.orderId ?? randomUUID(),
        customerId: input.customerId,
        items: input.items.map((item) => ({
          productId: item.productId,
          name: item.name,
          quantity: item.quantity,
          unitPriceMinor: item.unitPrice,
        })),
        currency: input.currency,
        now,
      },
    };
    return runCommand(ctx, 'placeOrder', input, command, now, { principal });
  }

  @Mutation(() => Order, { description: "Records a payment of a pending order's exact total. Customers (their own orders) and admins." })
  receivePayment(
    @Arg('input', () => ReceivePaymentInput) input: ReceivePaymentInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Order> {
    const principal = requireRole(ctx, ['customer', 'admin'], 'record payments');
    const now = new Date().toISOString();
    const { orderId, paymentId, amount, method } = input;
    const command = { type: 'ReceivePayment' as const, data: { orderId, paymentId, amountMinor: amount, method, now } };
    return runCommand(ctx, 'receivePayment', input, command, now, {
      principal,
      authorize: authorizeOrderCommand(principal, orderId),
    });
  }

  @Mutation(() => Order, { description: 'Ships a paid order. Staff and admins.' })
  shipOrder(@Arg('input', () => ShipOrderInput) input: ShipOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['staff', 'admin'], 'ship orders');
    const now = new Date().toISOString();
    const { orderId, trackingNumber, carrier } = input;
    const command = {
      type: 'ShipOrder' as const,
      data: { orderId, trackingNumber, carrier, estimatedDelivery: input.estimatedDelivery ?? null, now },
    };
    return runCommand(ctx, 'shipOrder', input, command, now, { principal });
  }

  @Mutation(() => Order, { description: 'Cancels a pending or paid order; a paid order is refunded in full. Customers cancel their own pending orders; staff and admins any.' })
  cancelOrder(@Arg('input', () => CancelOrderInput) input: CancelOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['customer', 'staff', 'admin'], 'cancel orders');
    const now = new Date().toISOString();
    const command = { type: 'CancelOrder' as const, data: { orderId: input.orderId, reason: input.reason, now } };
    return runCommand(ctx, 'cancelOrder', input, command, now, {
      principal,
      authorize: authorizeOrderCommand(principal, input.orderId, { pendingOnly: true }),
    });
  }
}
