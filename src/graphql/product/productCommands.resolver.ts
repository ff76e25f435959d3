import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import type { GraphQLContext } from '../context.js';
import { AddProductInput } from './addProduct.input.js';
import { Product } from './product.type.js';
import { RestockInput } from './restock.input.js';
import { runProductCommand } from './runProductCommand.js';

const MANAGERS = ['staff', 'admin'] as const;

/** Stock mutations: each turns its input into one inventory command. The rules live in the domain. */
@Resolver()
export class ProductCommandsResolver {
  @Mutation(() => Product, { description: 'Adds a product with its initial stock. Staff and admins.' })
  addProduct(@Arg('input', () => AddProductInput) input: AddProductInput, @Ctx() ctx: GraphQLContext): Promise<Product> {
    const principal = requireRole(ctx, MANAGERS, 'manage stock');
    const now = new Date().toISOString();
    const { productId, name, quantity } = input;
    return runProductCommand(ctx, 'addProduct', input, { type: 'AddProduct', data: { productId, name, quantity, now } }, now, principal);
  }

  @Mutation(() => Product, { description: "Adds units to a product's stock on hand. Staff and admins." })
  restock(@Arg('input', () => RestockInput) input: RestockInput, @Ctx() ctx: GraphQLContext): Promise<Product> {
    const principal = requireRole(ctx, MANAGERS, 'manage stock');
    const now = new Date().toISOString();
    const { productId, quantity } = input;
    return runProductCommand(ctx, 'restock', input, { type: 'Restock', data: { productId, quantity, now } }, now, principal);
  }
}
