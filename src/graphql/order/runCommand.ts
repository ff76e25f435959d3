import type { Principal } from '../../auth/principal.js';
import type { Order as OrderState, OrderCommand } from '../../domain/order/index.js';
import { orderViewAfter } from '../../projections/orderView/readModel.js';
import type { GraphQLContext } from '../context.js';
import { idempotencyFor } from '../commandIdempotency.js';
import { type Order, toOrder } from './order.type.js';

/**
 * Runs a command for a mutation and answers with the order as the read side has it once the
 * command's events are applied (read-your-writes); a new order, with what its own events make of it
 * (reads after it wait for the read side instead: AnsweredWrites). A `commandId` is an idempotency key: a retry
 * answers with the order as the original command left it, and writes nothing.
 */
export async function runCommand(
  ctx: GraphQLContext,
  mutation: string,
  input: { commandId?: string | null; expectedVersion?: number | null },
  command: OrderCommand,
  now: string,
  access: { principal: Principal; authorize?: (order: OrderState) => void; newOrder?: boolean },
): Promise<Order> {
  const { principal } = access;
  const { expectedVersion } = input;
  const result = await ctx.commands.execute(
    command,
    { userId: principal.userId, correlationId: ctx.correlationId, occurredAt: now },
    {
      expectedVersion: expectedVersion ?? undefined,
      idempotency: idempotencyFor(principal, mutation, input),
      authorize: access.authorize,
      newStream: access.newOrder,
    },
  );
  const orderId = result.events[0]?.data.orderId ?? command.data.orderId;
  // A new order: its events are its whole history, so they make its view as this command left it,
  // unread and without waiting for the read models; reads after it on this instance wait instead.
  if (result.stored?.[0]?.version === 1) {
    ctx.answeredWrites.noted(result.lastPosition);
    return toOrder(orderViewAfter(orderId, result.stored)!);
  }
  await ctx.readYourWrites(result.lastPosition);
  const view = await ctx.orders.getOrderView(orderId);
  if (!view) throw new Error(`Order ${orderId} is missing from the read side after its command`);
  if (view.version === result.nextVersion) return toOrder(view);
  // Later commands moved the order on: answer as this command left it.
  const history = await ctx.orderHistory(orderId);
  return toOrder(
    orderViewAfter(
      orderId,
      history.filter((event) => event.version <= result.nextVersion),
    )!,
  );
}
