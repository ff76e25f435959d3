import { amountIn } from '../../domain/price.js';
import type { DecimalAmount, Money } from '../../domain/money.js';
import { isoNow } from '../../clock/clock.js';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { AddProductInput } from './addProduct.input.js';
import { ChangePriceInput } from './changePrice.input.js';
import { Product } from './product.type.js';
import { RestockInput } from './restock.input.js';
import { runProductCommand } from './runProductCommand.js';

const MANAGERS = ['staff', 'admin'] as const;

/** Stock mutations: each turns its input into one inventory command. The rules live in the domain. */
@Resolver()
export class ProductCommandsResolver {
  @Mutation(() => Product, { description: 'Adds a product with its initial stock, and its catalog price if given. Staff and admins.' })
  addProduct(@Arg('input', () => AddProductInput) input: AddProductInput, @Ctx() ctx: GraphQLContext): Promise<Product> {
    const principal = requireRole(ctx, MANAGERS, 'manage stock');
    const now = isoNow(ctx.clock);
    const { productId, name, quantity, unitPrice, currency } = input;
    if (unitPrice == null && currency != null)
      throw badUserInput('currency is the currency of unitPrice; send both, or neither', 'currency');
    const price = unitPrice == null ? null : keptPrice(unitPrice, currency ?? 'USD');
    return runProductCommand(
      ctx,
      'addProduct',
      input,
      { type: 'AddProduct', data: { productId, name, quantity, price, now } },
      now,
      principal,
    );
  }

  @Mutation(() => Product, {
    description: "Sets a product's catalog price, the price customers' orders pay from then on. Staff and admins.",
  })
  changePrice(@Arg('input', () => ChangePriceInput) input: ChangePriceInput, @Ctx() ctx: GraphQLContext): Promise<Product> {
    const principal = requireRole(ctx, MANAGERS, 'manage prices');
    const now = isoNow(ctx.clock);
    const { productId, unitPrice, currency } = input;
    const command = { type: 'ChangePrice' as const, data: { productId, price: keptPrice(unitPrice, currency), now } };
    return runProductCommand(ctx, 'changePrice', input, command, now, principal);
  }

  @Mutation(() => Product, { description: "Adds units to a product's stock on hand. Staff and admins." })
  restock(@Arg('input', () => RestockInput) input: RestockInput, @Ctx() ctx: GraphQLContext): Promise<Product> {
    const principal = requireRole(ctx, MANAGERS, 'manage stock');
    const now = isoNow(ctx.clock);
    const { productId, quantity } = input;
    return runProductCommand(ctx, 'restock', input, { type: 'Restock', data: { productId, quantity, now } }, now, principal);
  }
}

/** A written catalog price in the units its currency is kept in. */
function keptPrice(unitPrice: DecimalAmount, currency: string): Money {
  return { amountMinor: amountIn(unitPrice, currency, 'unitPrice'), currency };
}
