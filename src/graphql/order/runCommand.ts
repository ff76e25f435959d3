import type { OrderCommand } from '../../domain/order/index.js';
import type { GraphQLContext } from '../context.js';
import { type Order, toOrder } from './order.type.js';

/**
 * Runs a command for a mutation and answers with the order as the read side has it once the
 * command's events are applied (read-your-writes).
 */
export async function runCommand(
  ctx: GraphQLContext,
  command: OrderCommand,
  options: { commandId?: string | null; expectedVersion?: number | null; now: string },
): Promise<Order> {
  const result = await ctx.commands.execute(
    command,
    {
      userId: ctx.userId,
      correlationId: ctx.correlationId,
      commandId: options.commandId ?? undefined,
      occurredAt: options.now,
    },
    { expectedVersion: options.expectedVersion ?? undefined },
  );
  await ctx.readYourWrites(result.lastPosition);
  const view = ctx.orders.getOrderView(command.data.orderId);
  if (!view) throw new Error(`Order ${command.data.orderId} is missing from the read side after its command`);
  return toOrder(view);
}
