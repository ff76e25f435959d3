import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GetOrderDocument } from '../../generated/graphql.js';
import type { TestUser } from '../auth.js';
import type { Random } from '../seededRandom.js';
import { CATALOG_SIZE, type CatalogProduct } from './catalog.js';
import { post } from './post.js';
import { type CommandRecord, DOCUMENTS, type SentCommand, type Status, STATUS_AFTER } from './sentCommand.js';

const STAFF: TestUser = { role: 'staff' };

/** What one cycle's clients got: counted together. */
export type Counts = { acknowledged: number; unanswered: number; retriesAnswered: number };

/** Where a client finds the catalog and records its commands: its loop. */
export type ClientLoop = CommandRecord & { catalogProduct(index: number, currency: 'USD' | 'EUR'): CatalogProduct };

type Known = { status: Status; version: number; total: string; currency: string };

/**
 * A load client: one customer placing, paying, shipping (as staff) and cancelling its own orders,
 * one command at a time, each drawn from its own `random`.
 */
export class CrashClient {
  readonly customer: TestUser;
  readonly orders = new Map<string, Known>();
  /** The command whose answer the kill cut off: re-sent, unchanged, before anything else. */
  pending: SentCommand | undefined;
  /** Orders whose state the client must read again (after a refused blind retry). */
  private readonly stale = new Set<string>();
  private sequence = 0;

  constructor(
    readonly index: number,
    private readonly loop: ClientLoop,
    private readonly random: Random,
  ) {
    this.customer = { role: 'customer', customerId: `crash-c${index}` };
  }

  /** Sends commands until `stopped()`, or until the server is gone. */
  async run(url: string, stopped: () => boolean, counts: Counts): Promise<void> {
    while (!stopped()) {
      if (this.pending) {
        await this.resend(url, counts);
        continue;
      }
      if (this.stale.size > 0) {
        if (!(await this.refresh(url))) return;
        continue;
      }
      await this.send(url, this.nextCommand(), false, counts);
    }
  }

  /** Re-sends the command the kill cut off, unchanged; true once it got an answer. */
  async resend(url: string, counts: Counts): Promise<boolean> {
    if (!this.pending || !(await this.send(url, this.pending, true, counts))) return false;
    counts.retriesAnswered++;
    return true;
  }

  /** Sends a command and records the outcome; false when it got no answer (it is then pending). */
  private async send(url: string, command: SentCommand, retry: boolean, counts: Counts): Promise<boolean> {
    this.loop.sent.set(command.token, command);
    const answer = await post(
      url,
      DOCUMENTS[command.mutation] as TypedDocumentNode<unknown, { input: any }>,
      { input: command.input },
      command.user,
    );
    if (answer.kind === 'unanswered') {
      this.pending = command;
      counts.unanswered++;
      return false;
    }
    this.pending = undefined;
    const order = answer.data?.[command.mutation] as
      | { version: number; status: Status; total: { amount: string; currency: string } }
      | undefined;
    if (order) {
      this.loop.acks.push({ command, version: order.version, status: order.status, cycle: this.loop.cycles });
      counts.acknowledged++;
      if (order.status !== STATUS_AFTER[command.mutation]) {
        this.loop.problems.push(`${command.mutation} ${command.token} answered with status ${order.status}`);
      }
      const known = this.orders.get(command.orderId);
      // A replayed retry answers as the command left the order: never move the client's view backwards.
      if (!known || order.version >= known.version) {
        this.orders.set(command.orderId, {
          status: order.status,
          version: order.version,
          total: order.total.amount,
          currency: order.total.currency,
        });
      }
      return true;
    }
    const code = answer.errors?.[0]?.extensions?.code;
    // A blind retry (no commandId) of a command that did take effect is refused: that is at-most-once working.
    const refusedRetry = retry && !command.commandId && (code === 'CONFLICT' || code === 'FAILED_PRECONDITION');
    if (refusedRetry) this.loop.refused.push(command);
    else this.loop.problems.push(`${command.mutation} ${command.token}${retry ? ' (retry)' : ''}: ${JSON.stringify(answer.errors)}`);
    this.stale.add(command.orderId);
    return true;
  }

  /** Reads the stale orders again; false when the server is gone. */
  private async refresh(url: string): Promise<boolean> {
    for (const orderId of [...this.stale]) {
      const answer = await post(url, GetOrderDocument, { id: orderId });
      if (answer.kind === 'unanswered') return false;
      const order = answer.data?.order as
        | { status: Status; version: number; total: { amount: string; currency: string } }
        | null
        | undefined;
      if (order)
        this.orders.set(orderId, {
          status: order.status,
          version: order.version,
          total: order.total.amount,
          currency: order.total.currency,
        });
      else this.orders.delete(orderId);
      this.stale.delete(orderId);
    }
    return true;
  }

  private nextCommand(): SentCommand {
    const random = this.random;
    const tag = `c${this.index}-${++this.sequence}`;
    const commandId = random() < 0.75 ? `cmd-${tag}` : undefined;
    const open = [...this.orders].filter(([, order]) => order.status === 'PENDING' || order.status === 'PAID');
    if (open.length === 0 || (open.length < 3 && random() < 0.4)) {
      const orderId = `o-${tag}`;
      const lines = 1 + Math.floor(random() * 3);
      const currency = random() < 0.2 ? 'EUR' : 'USD';
      const items = Array.from({ length: lines }, (_, line) => {
        const product = this.loop.catalogProduct((this.index + line) % CATALOG_SIZE, currency);
        return {
          productId: product.productId,
          name: `Item ${line + 1}`,
          quantity: 1 + Math.floor(random() * 4),
          // A customer pays the catalog's price: sent as the catalog shows it, or left to the catalog.
          ...(random() < 0.5 && { unitPrice: product.unitPrice }),
        };
      });
      const input = { orderId, customerId: this.customer.customerId, items, currency, ...(commandId && { commandId }) };
      return { mutation: 'placeOrder', orderId, token: orderId, commandId, user: this.customer, input };
    }
    const [orderId, order] = open[Math.floor(random() * open.length)]!;
    const expected = random() < 0.3 ? { expectedVersion: order.version } : {};
    const common = { orderId, ...expected, ...(commandId && { commandId }) };
    if (random() < 0.15) {
      const reason = `changed mind ${tag}`;
      // A customer cancels its own pending orders; staff cancel paid ones (refunded).
      const user = order.status === 'PENDING' ? this.customer : STAFF;
      return { mutation: 'cancelOrder', orderId, token: reason, commandId, user, input: { ...common, reason } };
    }
    if (order.status === 'PENDING') {
      const paymentId = `pay-${tag}`;
      const input = { ...common, paymentId, amount: order.total, method: 'card' };
      // Payments come from the payment provider (a staff token), never from the customer.
      return { mutation: 'receivePayment', orderId, token: paymentId, commandId, user: STAFF, input };
    }
    const trackingNumber = `trk-${tag}`;
    return {
      mutation: 'shipOrder',
      orderId,
      token: trackingNumber,
      commandId,
      user: STAFF,
      input: { ...common, trackingNumber, carrier: 'UPS' },
    };
  }
}
