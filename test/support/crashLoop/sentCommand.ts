import { CancelOrderDocument, PlaceOrderDocument, ReceivePaymentDocument, ShipOrderDocument } from '../../generated/graphql.js';
import type { TestUser } from '../auth.js';

export type Mutation = 'placeOrder' | 'receivePayment' | 'shipOrder' | 'cancelOrder';
export type Status = 'PENDING' | 'PAID' | 'SHIPPED' | 'CANCELLED';

export const DOCUMENTS = {
  placeOrder: PlaceOrderDocument,
  receivePayment: ReceivePaymentDocument,
  shipOrder: ShipOrderDocument,
  cancelOrder: CancelOrderDocument,
} as const;
export const EVENT_OF: Record<Mutation, string> = {
  placeOrder: 'OrderPlaced',
  receivePayment: 'PaymentReceived',
  shipOrder: 'OrderShipped',
  cancelOrder: 'OrderCancelled',
};
export const STATUS_AFTER: Record<Mutation, Status> = {
  placeOrder: 'PENDING',
  receivePayment: 'PAID',
  shipOrder: 'SHIPPED',
  cancelOrder: 'CANCELLED',
};
/** The event field that carries a command's token (see SentCommand). */
export const TOKEN_FIELD: Record<string, string> = {
  OrderPlaced: 'orderId',
  PaymentReceived: 'paymentId',
  OrderShipped: 'trackingNumber',
  OrderCancelled: 'reason',
};

/** One command as a client sent it; re-sent unchanged when it got no answer. */
export type SentCommand = {
  mutation: Mutation;
  orderId: string;
  /** Part of the input and unique to this command (order id, paymentId, trackingNumber or reason): finds its event. */
  token: string;
  commandId?: string;
  user: TestUser;
  input: Record<string, unknown>;
};

/** A successful answer: the order as the command left it. */
export type Ack = { command: SentCommand; version: number; status: string; cycle: number };

/** What the clients of one loop record of their commands, for the checks of the log. */
export type CommandRecord = {
  readonly acks: Ack[];
  /** Every command ever sent, by token. */
  readonly sent: Map<string, SentCommand>;
  /** Blind re-sends (no commandId) refused because the first send had taken effect: checked against the log. */
  readonly refused: SentCommand[];
  /** Answers no correct server gives (an error to a well-formed command, a wrong status), and error log lines. */
  readonly problems: string[];
  /** The cycle running now (an Ack says in which it came). */
  readonly cycles: number;
};
