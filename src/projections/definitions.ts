import type { ChangeFeed } from '../subscriptions/changeFeed.js';
import { customerSummaryProjection } from './customerSummary/projection.js';
import { dashboardProjection } from './dashboard/projection.js';
import { orderViewProjection } from './orderView/projection.js';
import type { OrderViewChange } from './orderView/view.js';
import { productViewProjection } from './productView/projection.js';
import type { ProductViewChange } from './productView/view.js';
import type { ProjectionDefinition } from './projection.js';

/** Every read model the server runs, in the order the engine starts them. */
export function projectionDefinitions(
  feeds: { orderChanges?: ChangeFeed<OrderViewChange>; productChanges?: ChangeFeed<ProductViewChange> } = {},
): ProjectionDefinition<any>[] {
  return [
    orderViewProjection((changes) => feeds.orderChanges?.publish(changes)),
    customerSummaryProjection(),
    dashboardProjection(),
    productViewProjection((changes) => feeds.productChanges?.publish(changes)),
  ];
}
