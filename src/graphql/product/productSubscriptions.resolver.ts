import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { signedIn } from '../../auth/access.js';
import type { ProductViewChange } from '../../projections/productView/view.js';
import type { GraphQLContext } from '../context.js';
import { Product, toProduct } from './product.type.js';
import { productNotFound } from './productNotFound.js';

type ProductStockChangedArgs = { productId: string };

/** Live product stock, pushed from the productView projection's change feed as it commits. */
@Resolver()
export class ProductSubscriptionsResolver {
  @Subscription(() => Product, {
    description:
      'The product now, then the product after each change of its stock, in version order. NOT_FOUND for an unknown product.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ProductStockChangedArgs, GraphQLContext>) =>
      productUpdates(context, args.productId),
  })
  productStockChanged(@Arg('productId', () => ID) _productId: string, @Root() change: ProductViewChange): Product {
    return toProduct(change.view);
  }
}

function productUpdates(ctx: GraphQLContext, productId: string): AsyncIterable<ProductViewChange> {
  signedIn(ctx);
  const current = ctx.products.getProductView(productId);
  if (!current) throw productNotFound(productId);
  // No change can fall between the read above and the subscription below: both run in one
  // synchronous step, and the projection runner publishes in the same step as it commits.
  return ctx.productChanges.subscribe({
    initial: [{ view: current }],
    filter: ({ view }) => view.id === productId && view.version > current.version,
    coalesceKey: ({ view }) => view.id,
  });
}
