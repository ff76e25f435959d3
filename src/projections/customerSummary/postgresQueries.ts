import type { Queryable } from '../postgres/postgresProjection.js';
import { customerSummaryFromRows } from './summaryFromRows.js';
import { type CustomerSpendRow, type CustomerSummaryRow, type CustomerSummaryTableNames, LIVE_CUSTOMER_SUMMARY_TABLES } from './table.js';
import type { CustomerSummaryView } from './view.js';

type SummaryWithSpend = { summary: CustomerSummaryRow; spend: CustomerSpendRow[] };

/**
 * Reads of the customer summary tables in PostgreSQL (the live ones unless told otherwise), with
 * the answers of CustomerSummaryQueries. Never touches the event log.
 */
export class PostgresCustomerSummaryQueries {
  private readonly summaryWithSpend: string;

  constructor(
    private readonly db: Queryable,
    tables: CustomerSummaryTableNames = LIVE_CUSTOMER_SUMMARY_TABLES,
  ) {
    // One statement, so the counts and the spend are of the same commit even on a pool. As JSON,
    // integers read as numbers whatever type parsers the pool has.
    this.summaryWithSpend = `
      SELECT row_to_json(summary) AS summary,
        (SELECT coalesce(json_agg(spend ORDER BY spend.currency), '[]')
         FROM ${tables.customer_summary_spend} spend WHERE spend.customer_id = summary.customer_id) AS spend
      FROM ${tables.customer_summaries} summary
      WHERE summary.customer_id = $1`;
  }

  /** The customer's summary, or undefined when the customer has placed no order. */
  async getCustomerSummary(customerId: string): Promise<CustomerSummaryView | undefined> {
    const {
      rows: [row],
    } = await this.db.query<SummaryWithSpend>(this.summaryWithSpend, [customerId]);
    return row && customerSummaryFromRows(row.summary, row.spend);
  }
}
