import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { signedIn } from '../../auth/access.js';
import type { ProductViewChange } from '../../projections/productView/view.js';
import type { GraphQLContext } from '../context.js';
import { readAfterAttaching } from '../readAfterAttaching.js';
import { Product, toProduct } from './product.type.js';
import { productNotFound } from './productNotFound.js';

type ProductStockChangedArgs = { productId: string };

/** Live product stock and price, pushed from the productView projection's change feed as it commits. */
@Resolver()
export class ProductSubscriptionsResolver {
  @Subscription(() => Product, {
    description:
      'The product now, then the product after each change of its stock or price, in version order. NOT_FOUND for an unknown product.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ProductStockChangedArgs, GraphQLContext>) =>
      productUpdates(context, args.productId),
  })
  productStockChanged(@Arg('productId', () => ID) _productId: string, @Root() change: ProductViewChange): Product {
    return toProduct(change.view);
  }
}

async function productUpdates(ctx: GraphQLContext, productId: string): Promise<AsyncIterable<ProductViewChange>> {
  signedIn(ctx);
  // The read may be async, so attach first: changes published while it runs wait in the buffer, and
  // startWith drops those the current view already shows (by position). No gap, no repeat.
  const subscription = ctx.productChanges.subscribe({
    filter: ({ view }) => view.id === productId,
    positionOf: ({ view }) => view.position,
    coalesceKey: ({ view }) => view.id,
  });
  const current = await readAfterAttaching(subscription, async () => {
    const view = await ctx.products.getProductView(productId);
    if (!view) throw productNotFound(productId);
    return view;
  });
  subscription.startWith([{ view: current }]);
  return subscription;
}
