import { Field, Int, ObjectType } from 'type-graphql';
import { Order } from './order.type.js';

@ObjectType()
export class OrderEdge {
  @Field(() => String, { description: 'Pass as `after` to get the orders after this one.' })
  cursor!: string;

  @Field(() => Order)
  node!: Order;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; null for an empty page.' })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => [Order], { description: 'The orders of `edges`, for clients that need no cursors.' })
  nodes!: Order[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many orders match the filter, across all pages.' })
  totalCount!: number;
}
