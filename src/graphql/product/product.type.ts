import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ProductView } from '../../projections/productView/view.js';
import { Money, money } from '../order/money.type.js';

@ObjectType({ description: "A product's stock as the read side sees it after the events up to `version`." })
export class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Money, {
    nullable: true,
    description: 'The catalog price of one unit; null for a product not priced yet, which customers cannot order.',
  })
  price!: Money | null;

  @Field(() => Int, { description: 'Units on the shelf, reserved or not.' })
  onHand!: number;

  @Field(() => Int, { description: 'Units held for orders: on hand, but not available to others.' })
  reserved!: number;

  @Field(() => Int, { description: 'onHand − reserved: what a new order can still reserve. Never negative.' })
  available!: number;

  @Field(() => Int, { description: 'The version of the last event applied; pass it as expectedVersion.' })
  version!: number;

  @Field(() => GraphQLSafeInt, { description: 'The global log position of the last event applied.' })
  position!: number;

  @Field(() => GraphQLDateTime, { description: 'When the last event applied happened.' })
  updatedAt!: string;
}

export const toProduct = (view: ProductView): Product => ({
  ...view,
  price: view.price && money(view.price.amountMinor, view.price.currency),
});
