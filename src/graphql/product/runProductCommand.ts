import type { Principal } from '../../auth/principal.js';
import type { InventoryCommand } from '../../domain/inventory/index.js';
import { productViewAfter } from '../../projections/productView/readModel.js';
import { idempotencyFor } from '../commandIdempotency.js';
import type { GraphQLContext } from '../context.js';
import { type Product, toProduct } from './product.type.js';

/**
 * Runs an inventory command for a mutation and answers with the product as the productView read
 * model has it once the command's events are applied (read-your-writes). A `commandId` is an
 * idempotency key: a retry answers with the product as the original command left it, and writes nothing.
 */
export async function runProductCommand(
  ctx: GraphQLContext,
  mutation: string,
  input: { commandId?: string | null; expectedVersion?: number | null },
  command: InventoryCommand,
  now: string,
  principal: Principal,
): Promise<Product> {
  const result = await ctx.inventory.execute(
    command,
    { userId: principal.userId, correlationId: ctx.correlationId, occurredAt: now },
    { expectedVersion: input.expectedVersion ?? undefined, idempotency: idempotencyFor(principal, mutation, input) },
  );
  await ctx.readYourWrites(result.lastPosition, 'productView');
  const productId = result.events[0]?.data.productId ?? command.data.productId;
  const view = await ctx.products.getProductView(productId);
  if (!view) throw new Error(`Product ${productId} is missing from the read side after its command`);
  if (view.version === result.nextVersion) return toProduct(view);
  // Later commands moved the product on: answer as this command left it.
  const history = await ctx.productHistory(productId);
  return toProduct(
    productViewAfter(
      productId,
      history.filter((event) => event.version <= result.nextVersion),
    )!,
  );
}
