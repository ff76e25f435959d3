import { requireShippingDetails } from '../../domain/order/shippingDetails.js';
import { shippingRecord } from './openShipping.js';
import { amountIn } from '../../domain/price.js';
import { timeOrderedId } from '../../eventstore/timeOrderedId.js';
import { isoNow } from '../../clock/clock.js';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import { ForbiddenError } from '../../auth/forbiddenError.js';
import type { GraphQLContext } from '../context.js';
import { priceLines } from '../../application/catalogPricing.js';
import { idempotencyFor } from '../commandIdempotency.js';
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
  @Mutation(() => Order, {
    description:
      'Places an order; the server computes the total from the items, priced by the catalog for customers. Customers ' +
      '(for themselves, at most a few unpaid at a time), staff and admins (a checkout service, with prices of their own).',
  })
  async placeOrder(@Arg('input', () => PlaceOrderInput) input: PlaceOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['customer', 'staff', 'admin'], 'place orders');
    const isCustomer = principal.role === 'customer';
    if (isCustomer && input.customerId !== principal.customerId) {
      throw new ForbiddenError(`You can place orders only for yourself (customerId ${principal.customerId})`);
    }
    const shipping = input.shipping ? requireShippingDetails(input.shipping) : null;
    // A retried order's fingerprint keeps no personal data: the shipping details' digest under the customer's key.
    const fingerprinted =
      shipping && input.commandId != null
        ? { ...input, shipping: await ctx.personalData.digestFor(input.customerId, JSON.stringify(shipping)) }
        : input;
    const idempotency = idempotencyFor(principal, 'placeOrder', fingerprinted);
    const isRetry = async () => idempotency !== undefined && (await ctx.commands.isRecorded(idempotency.key));
    const lines = input.items.map(({ productId, name, quantity, unitPrice }, index) => ({
      productId,
      name,
      quantity,
      unitPriceMinor: unitPrice == null ? unitPrice : amountIn(unitPrice, input.currency, `items[${index}].unitPrice`),
    }));
    // A customer's lines are priced while the cap counts the customer's unpaid orders, not after.
    const pricing = isCustomer ? priceLines(lines, input.currency, 'catalog', ctx.catalogPrices) : undefined;
    pricing?.catch(() => {});
    const place = async (retry: boolean) => {
      const now = isoNow(ctx.clock);
      // A retry answers as the original did, whatever the catalog says now: its lines are not decided again.
      const items = retry
        ? lines.map((line) => ({ ...line, unitPriceMinor: line.unitPriceMinor ?? 0 }))
        : await (pricing ?? priceLines(lines, input.currency, 'caller', ctx.catalogPrices));
      const orderId = input.orderId ?? timeOrderedId();
      // Sealed before the command, for this order: the log, and everything read from it, holds the details only sealed.
      const sealed =
        shipping && !retry ? await ctx.personalData.sealFor(input.customerId, shippingRecord(orderId), JSON.stringify(shipping)) : null;
      const data = {
        orderId,
        customerId: input.customerId,
        items,
        currency: input.currency,
        shipping: sealed,
        now,
      };
      // An order id made here names no stream yet: the command loads nothing.
      return runCommand(ctx, 'placeOrder', fingerprinted, { type: 'PlaceOrder', data }, now, {
        principal,
        newOrder: input.orderId == null,
      });
    };
    if (!isCustomer) return place(await isRetry());
    return ctx.pendingOrderCap.run(input.customerId, place, isRetry, () => ctx.answeredWrites.shown());
  }

  @Mutation(() => Order, {
    description:
      "Records a payment of a pending order's exact total, as the payment provider confirmed it. Staff and admins " +
      "(the payment service's token); never customers. An order that expired unpaid refuses it (FAILED_PRECONDITION).",
  })
  receivePayment(@Arg('input', () => ReceivePaymentInput) input: ReceivePaymentInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    // The event's metadata.userId names who recorded it (the provider's service identity).
    const principal = requireRole(
      ctx,
      ['staff', 'admin'],
      'record payments: a payment comes from the payment provider, not from a customer',
    );
    const now = isoNow(ctx.clock);
    const { orderId, paymentId, amount, method } = input;
    // The order's currency decides how many decimals the amount may have: the decider converts it.
    const command = {
      type: 'ReceivePayment' as const,
      data: { orderId, paymentId, amountMinor: amount.units, scale: amount.scale, method, now },
    };
    return runCommand(ctx, 'receivePayment', input, command, now, { principal });
  }

  @Mutation(() => Order, { description: 'Ships a paid order. Staff and admins.' })
  shipOrder(@Arg('input', () => ShipOrderInput) input: ShipOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['staff', 'admin'], 'ship orders');
    const now = isoNow(ctx.clock);
    const { orderId, trackingNumber, carrier } = input;
    const command = {
      type: 'ShipOrder' as const,
      data: { orderId, trackingNumber, carrier, estimatedDelivery: input.estimatedDelivery ?? null, now },
    };
    return runCommand(ctx, 'shipOrder', input, command, now, { principal });
  }

  @Mutation(() => Order, {
    description:
      'Cancels a pending or paid order; a paid order is refunded in full. Customers cancel their own pending orders; staff and admins any.',
  })
  cancelOrder(@Arg('input', () => CancelOrderInput) input: CancelOrderInput, @Ctx() ctx: GraphQLContext): Promise<Order> {
    const principal = requireRole(ctx, ['customer', 'staff', 'admin'], 'cancel orders');
    const now = isoNow(ctx.clock);
    const command = { type: 'CancelOrder' as const, data: { orderId: input.orderId, reason: input.reason, now } };
    return runCommand(ctx, 'cancelOrder', input, command, now, {
      principal,
      authorize: authorizeOrderCommand(principal, input.orderId, { pendingOnly: true }),
    });
  }
}
