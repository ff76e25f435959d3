import 'reflect-metadata';
import { createPubSub } from '@graphql-yoga/subscription';
import type { GraphQLSchema } from 'graphql';
import { buildSchema as buildTypeGraphQLSchema } from 'type-graphql';
import { CustomerResolver } from './customer/customer.resolver.js';
import { ForgetCustomerResolver } from './customer/forgetCustomer.resolver.js';
import { OrderEventResolver } from './order/orderEvent.resolver.js';
import { DashboardResolver } from './dashboard/dashboard.resolver.js';
import { mapErrors } from './errors.js';
import { requireSignIn } from './requireSignIn.js';
import { EventsResolver } from './events/events.resolver.js';
import { EventSubscriptionsResolver } from './events/eventSubscriptions.resolver.js';
import { validateArguments } from './input/validateArguments.js';
import { OrderResolver } from './order/order.resolver.js';
import { OrderCommandsResolver } from './order/orderCommands.resolver.js';
import { OrderSubscriptionsResolver } from './order/orderSubscriptions.resolver.js';
import { ProductResolver } from './product/product.resolver.js';
import { ProductCommandsResolver } from './product/productCommands.resolver.js';
import { ProductSubscriptionsResolver } from './product/productSubscriptions.resolver.js';
import { ProjectionsResolver } from './projections/projections.resolver.js';
import { SalesByProductResolver } from './sales/salesByProduct.resolver.js';

/** The executable schema: code first; schema.graphql is printed from it by `npm run generate`. */
export function buildSchema(): Promise<GraphQLSchema> {
  return buildTypeGraphQLSchema({
    resolvers: [
      OrderResolver,
      OrderCommandsResolver,
      OrderSubscriptionsResolver,
      EventsResolver,
      EventSubscriptionsResolver,
      ProjectionsResolver,
      CustomerResolver,
      ForgetCustomerResolver,
      OrderEventResolver,
      DashboardResolver,
      ProductResolver,
      ProductCommandsResolver,
      ProductSubscriptionsResolver,
      SalesByProductResolver,
    ],
    globalMiddlewares: [mapErrors, requireSignIn],
    // Unused: every subscription brings its own `subscribe`, but type-graphql insists on one.
    pubSub: createPubSub(),
    validate: false,
    // Strings in every argument (control characters, lone surrogates) and the ids and texts of inputs.
    validateFn: validateArguments,
  });
}
