import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../pageInfo.type.js';
import { Product } from './product.type.js';

@ObjectType()
export class ProductEdge {
  @Field(() => String, { description: 'Pass as `after` to get the products after this one.' })
  cursor!: string;

  @Field(() => Product)
  node!: Product;
}

@ObjectType({ description: 'A page of products, by product id.' })
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => [Product], { description: 'The products of `edges`, for clients that need no cursors.' })
  nodes!: Product[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many products there are, across all pages.' })
  totalCount!: number;
}
