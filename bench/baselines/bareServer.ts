/**
 * The baseline server the bench holds orderstream against, started by the bench as a child process
 * like orderstream itself, so both see the same machine at the same time:
 *
 *   node --import tsx bench/baselines/bareServer.ts        (prints `LISTENING http://127.0.0.1:<port>/graphql`)
 *
 * - HTTP: a bare Apollo Server 5 on express 5 with a type-graphql schema of one trivial query
 *   (`hello`) and one trivial mutation (`echo`): no token, no database, no logging; beside them the
 *   same-job mutation and one-row query of ./sameJob.ts.
 * - WebSocket, same path: a bare graphql-ws server whose `ordersChanged` subscription is fed by an
 *   in-memory pub/sub; `POST /publish` publishes one Order payload shaped like orderstream's (a new
 *   id, `updatedAt` = now) and answers `{ id }`; graphql-ws executes it for each subscriber.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { createPubSub } from '@graphql-yoga/subscription';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { Arg, buildSchema, Field, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { WebSocketServer } from 'ws';
import { Money } from './money.js';
import { SameJobResolver } from './sameJob.js';

const TOPIC = 'ordersChanged';

@ObjectType()
class OrderItem {
  @Field(() => ID)
  productId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Money)
  unitPrice!: Money;

  @Field(() => Money)
  lineTotal!: Money;
}

@ObjectType()
class Order {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => String)
  status!: string;

  @Field(() => [OrderItem])
  items!: OrderItem[];

  @Field(() => Int)
  itemCount!: number;

  @Field(() => Money)
  total!: Money;

  @Field(() => String)
  placedAt!: string;

  @Field(() => String)
  updatedAt!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => Int)
  position!: number;
}

const pubSub = createPubSub<{ [TOPIC]: [Order] }>();

@Resolver()
class BareResolver {
  @Query(() => String)
  hello(): string {
    return 'world';
  }

  @Mutation(() => String)
  echo(@Arg('message', () => String) message: string): string {
    return message;
  }

  @Subscription(() => Order, { topics: TOPIC })
  ordersChanged(@Root() order: Order): Order {
    return order;
  }
}

let position = 0;
const money = (amount: string): Money => ({ amount, currency: 'USD' });

/** The payload orderstream publishes for a placed order: the reference order of the demo (README, docs/demo.md). */
function newOrder(): Order {
  const now = new Date().toISOString();
  position += 1;
  return {
    id: randomUUID(),
    customerId: 'cust-1',
    status: 'PENDING',
    items: [
      { productId: 'p1', name: 'Widget', quantity: 2, unitPrice: money('29.99'), lineTotal: money('59.98') },
      { productId: 'p2', name: 'Gadget', quantity: 1, unitPrice: money('49.99'), lineTotal: money('49.99') },
    ],
    itemCount: 3,
    total: money('109.97'),
    placedAt: now,
    updatedAt: now,
    version: 1,
    position,
  };
}

const schema = await buildSchema({ resolvers: [BareResolver, SameJobResolver], pubSub, validate: false });
const app = express();
const httpServer = createServer(app);
const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
useServer({ schema }, wsServer);
const apollo = new ApolloServer({ schema });
await apollo.start();
app.post('/publish', (_req, res) => {
  const order = newOrder();
  pubSub.publish(TOPIC, order);
  res.json({ id: order.id });
});
app.use('/graphql', express.json(), expressMiddleware(apollo));

httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as AddressInfo;
  console.log(`LISTENING http://127.0.0.1:${port}/graphql`);
});
process.on('SIGTERM', () => {
  wsServer.close();
  httpServer.closeAllConnections();
  httpServer.close(() => process.exit(0));
});
