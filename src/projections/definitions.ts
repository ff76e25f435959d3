import { customerSummaryModel } from './customerSummary/readModel.js';
import { dashboardModel } from './dashboard/readModel.js';
import { orderViewModel } from './orderView/readModel.js';
import { productViewModel } from './productView/readModel.js';
import type { AnyReadModel } from './readModel.js';
import { salesByProductModel } from './salesByProduct/salesByProduct.js';

/** Every read model the server runs, in either database, in the order the engines start them. */
export const readModels: readonly AnyReadModel[] = [
  orderViewModel,
  customerSummaryModel,
  dashboardModel,
  productViewModel,
  salesByProductModel,
];
