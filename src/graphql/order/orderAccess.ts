import { type Caller, canSeeCustomer, signedIn } from '../../auth/access.js';
import { ForbiddenError } from '../../auth/forbiddenError.js';
import type { Principal } from '../../auth/principal.js';
import type { Order as OrderState } from '../../domain/order/index.js';
import type { OrderView } from '../../projections/orderView/view.js';
import type { GraphQLContext } from '../context.js';
import { notFound } from '../errors.js';

/** Another customer's order answers exactly as a missing one, so ids cannot be probed. */
export function orderNotFound(orderId: string): Error {
  return notFound(`Order ${orderId} does not exist`, 'Order', orderId);
}

/** Whether the caller may see an order of this customer (signed in, and its own unless staff or admin). */
export function canSeeOrder(caller: Caller, order: { customerId: string }): boolean {
  return canSeeCustomer(signedIn(caller), order.customerId);
}

/** The order from the orderView read model; NOT_FOUND when it is missing or the caller may not see it. */
export async function visibleOrder(ctx: GraphQLContext, orderId: string): Promise<OrderView> {
  const view = await ctx.orders.getOrderView(orderId);
  if (!view || !canSeeOrder(ctx, view)) throw orderNotFound(orderId);
  return view;
}

/**
 * For a command on an existing order, checked against the order as the command handler loaded it:
 * a customer acts only on its own orders, and may not cancel one that is paid.
 */
export function authorizeOrderCommand(principal: Principal, orderId: string, options: { pendingOnly?: boolean } = {}) {
  return (order: OrderState): void => {
    if (principal.role !== 'customer') return;
    if (order.status === 'Empty' || order.customerId !== principal.customerId) throw orderNotFound(orderId);
    // Only a paid order is one staff may cancel and a customer may not; other states are the domain's to refuse.
    if (options.pendingOnly && order.status === 'Paid') {
      throw new ForbiddenError(`Order ${orderId} is paid; only staff can cancel it now`);
    }
  };
}
