import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../pageInfo.type.js';
import { Order } from './order.type.js';

@ObjectType()
export class OrderEdge {
  @Field(() => String, { description: 'Pass as `after` to get the orders after this one.' })
  cursor!: string;

  @Field(() => Order)
  node!: Order;
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
