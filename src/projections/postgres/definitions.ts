import { postgresCustomerSummaryProjection } from '../customerSummary/postgresProjection.js';
import { postgresDashboardProjection } from '../dashboard/postgresProjection.js';
import { postgresOrderViewProjection } from '../orderView/postgresProjection.js';
import { postgresProductViewProjection } from '../productView/postgresProjection.js';
import type { PostgresProjectionDefinition } from './postgresProjection.js';

/** Every read model on PostgreSQL: the same ones, by the same names, as projectionDefinitions(). */
export function postgresProjectionDefinitions(): PostgresProjectionDefinition<any>[] {
  return [
    postgresOrderViewProjection(),
    postgresCustomerSummaryProjection(),
    postgresDashboardProjection(),
    postgresProductViewProjection(),
  ];
}
