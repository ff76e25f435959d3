import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { signedIn } from '../../auth/access.js';
import { pageInfoOf } from '../pageInfo.type.js';
import { decodeProductCursor } from '../../projections/productView/cursor.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Product, toProduct } from './product.type.js';
import { ProductConnection } from './productConnection.type.js';

const MAX_PAGE_SIZE = 100;

/** Product queries: they read the product_views table only. Any signed-in user. */
@Resolver(() => Product)
export class ProductResolver {
  @Query(() => Product, { nullable: true, description: "One product's stock, or null when there is no such product." })
  async product(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Product | null> {
    signedIn(ctx);
    const view = await ctx.products.getProductView(id);
    return view ? toProduct(view) : null;
  }

  @Query(() => ProductConnection, { description: 'Every product with its stock, by product id.' })
  async products(
    @Arg('first', () => Int, { defaultValue: 20, description: `1 to ${MAX_PAGE_SIZE}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' })
    after: string | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductConnection> {
    signedIn(ctx);
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
    }
    const afterProductId = after == null ? undefined : decodeProductCursor(after);
    if (after != null && afterProductId === undefined) {
      throw badUserInput(`after is not a cursor from this API: "${after}"`, 'after');
    }
    const page = await ctx.products.listProductViews(first, afterProductId);
    const edges = page.nodes.map(({ view, cursor }) => ({ cursor, node: toProduct(view) }));
    return {
      edges,
      nodes: edges.map((edge) => edge.node),
      pageInfo: pageInfoOf(edges, page.hasNextPage, after),
      totalCount: page.totalCount,
    };
  }
}
