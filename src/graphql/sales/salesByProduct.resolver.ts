import { GraphQLLocalDate } from 'graphql-scalars';
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import { isoNow } from '../../clock/clock.js';
import { isCurrencyCode } from '../../domain/money.js';
import { type ProductSales, type SalesChange, salesByProductQueries } from '../../projections/salesByProduct/salesByProduct.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Money, money } from '../order/money.type.js';

const MAX_ROWS = 1000;
const MAX_PRODUCTS = 100;

@ObjectType({
  description: "One product's sales on one UTC day in one currency: payments received that day, less paid orders cancelled that day.",
})
export class ProductSalesDay {
  @Field(() => ID)
  productId!: string;

  @Field(() => GraphQLLocalDate, { description: 'The UTC day, e.g. "2025-01-10".' })
  date!: string;

  @Field(() => Int, { description: 'Units paid for that day, less units of paid orders cancelled that day (may be negative).' })
  unitsSold!: number;

  @Field(() => Money, { description: 'The revenue of those units, exact (may be negative).' })
  revenue!: Money;
}

const toSalesDay = (sales: ProductSales): ProductSalesDay => ({
  productId: sales.productId,
  date: sales.date,
  unitsSold: sales.unitsSold,
  revenue: money(sales.revenueMinor, sales.currency),
});

type ProductSalesChangedArgs = { productId: string; currency: string };

/** Sales by product: the salesByProduct read model, for staff and admins. */
@Resolver()
export class SalesByProductResolver {
  @Query(() => [ProductSalesDay], {
    description:
      'Units sold and revenue per product per UTC day in one currency, by day then product, at most `first` rows. ' +
      'BAD_USER_INPUT when from is after to. Staff and admins.',
  })
  async salesByProduct(
    @Arg('from', () => GraphQLLocalDate, { description: 'The first day, inclusive.' }) from: string,
    @Arg('to', () => GraphQLLocalDate, { description: 'The last day, inclusive.' }) to: string,
    @Arg('currency', () => String, { defaultValue: 'USD', description: 'ISO 4217 code: only sales in this currency.' }) currency: string,
    @Arg('productIds', () => [ID], { nullable: true, description: `Only these products (at most ${MAX_PRODUCTS}); all when absent.` })
    productIds: string[] | undefined,
    @Arg('first', () => Int, { defaultValue: 100, description: `At most this many rows, 1 to ${MAX_ROWS}.` }) first: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductSalesDay[]> {
    requireRole(ctx, ['staff', 'admin'], 'see sales');
    if (from > to) throw badUserInput(`from (${from}) must not be after to (${to})`, 'from');
    if (!isCurrencyCode(currency))
      throw badUserInput(`currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, 'currency');
    if (first < 1 || first > MAX_ROWS) throw badUserInput(`first must be between 1 and ${MAX_ROWS}, got ${first}`, 'first');
    if (productIds && productIds.length > MAX_PRODUCTS) {
      throw badUserInput(`productIds may name at most ${MAX_PRODUCTS} products, got ${productIds.length}`, 'productIds');
    }
    // Reads after a new order answered here wait until the read side shows it (AnsweredWrites), as the queries of ctx do.
    await ctx.answeredWrites.shown();
    const sales = await salesByProductQueries(ctx.readSource).sales({ fromDay: from, toDay: to, currency, productIds }, first);
    return sales.map(toSalesDay);
  }

  @Subscription(() => ProductSalesDay, {
    description:
      "The product's figures of today (UTC) now, then those of a day each time a payment or a cancellation of a paid order " +
      'changes them, as they stand when sent. Staff and admins.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ProductSalesChangedArgs, GraphQLContext>) => {
      requireRole(context, ['staff', 'admin'], 'follow sales');
      const { productId, currency } = args;
      if (!isCurrencyCode(currency))
        throw badUserInput(`currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, 'currency');
      const today = { position: 0, day: isoNow(context.clock).slice(0, 10), currency, productIds: [productId] };
      return context.changeFeeds.of<SalesChange>('salesByProduct').subscribe({
        filter: (change) => change.currency === currency && change.productIds.includes(productId),
        initial: [today],
      });
    },
  })
  async productSalesChanged(
    @Arg('productId', () => ID) productId: string,
    @Arg('currency', () => String, { defaultValue: 'USD', description: 'ISO 4217 code: only sales in this currency.' }) _currency: string,
    @Root() change: SalesChange,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductSalesDay> {
    const filter = { fromDay: change.day, toDay: change.day, currency: change.currency, productIds: [productId] };
    const [sales] = await salesByProductQueries(ctx.readSource).sales(filter, 1);
    return toSalesDay(sales ?? { productId, date: change.day, currency: change.currency, unitsSold: 0, revenueMinor: 0 });
  }
}
