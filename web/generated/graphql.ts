/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CancelOrderInput = {
  /** Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input returns the original result and writes nothing; the same commandId with other input is a CONFLICT. Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent. */
  commandId?: string | number | null | undefined;
  /** The order version the client saw; a different one is a CONFLICT. */
  expectedVersion?: number | null | undefined;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  orderId: string | number;
  /** At most 200 characters, no control characters. */
  reason: string;
};

export type ChangePriceInput = {
  /** Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input returns the original result and writes nothing; the same commandId with other input is a CONFLICT. Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent. */
  commandId?: string | number | null | undefined;
  /** ISO 4217 currency code of unitPrice. */
  currency?: string;
  /** The product version the client saw; a different one is a CONFLICT. */
  expectedVersion?: number | null | undefined;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  productId: string | number;
  /** The new catalog price of one unit: positive, at most 1000000.00, with no more decimals than the currency has, e.g. "29.99". The price it has already changes nothing and writes no event. */
  unitPrice: string;
};

export type OrderItemInput = {
  /** At most 200 characters, no control characters. */
  name: string;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  productId: string | number;
  /** A whole number from 1 to 10,000. */
  quantity: number;
  /** Positive, at most 1000000.00, with no more decimals than the currency has, e.g. "29.99". Absent: the catalog's current price. A customer's order is priced by the catalog: a price given must be the current one (else FAILED_PRECONDITION with the current price); staff and admins may send any price, for products outside the catalog too. */
  unitPrice?: string | null | undefined;
};

/** Where an order is in its life: PENDING → PAID → SHIPPED, or CANCELLED from PENDING or PAID. */
export type OrderStatus =
  | 'CANCELLED'
  | 'PAID'
  | 'PENDING'
  | 'SHIPPED';

/** AVAILABLE: shown as given. ERASED: the customer was forgotten (forgetCustomer); every field reads ERASED_PLACEHOLDER. UNREADABLE: the value's key is missing or it does not authenticate; every field reads the placeholder and the server logs why. */
export type PersonalDataStatus =
  | 'AVAILABLE'
  | 'ERASED'
  | 'UNREADABLE';

export type PlaceOrderInput = {
  /** Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input returns the original result and writes nothing; the same commandId with other input is a CONFLICT. Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent. */
  commandId?: string | number | null | undefined;
  /** ISO 4217 currency code of every price. */
  currency?: string;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  customerId: string | number;
  /** 1 to 100 items; the total is at most 1000000.00. */
  items: Array<OrderItemInput>;
  /** Chosen by the client (1 to 100 of A-Z a-z 0-9 . _ : -), or a new uuid when absent. */
  orderId?: string | number | null | undefined;
  /** Where the order ships; absent for an order that ships nowhere (or not yet known). */
  shipping?: ShippingDetailsInput | null | undefined;
};

export type ReceivePaymentInput = {
  /** Must equal the order's total exactly (at most 1000000.00). */
  amount: string;
  /** Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input returns the original result and writes nothing; the same commandId with other input is a CONFLICT. Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent. */
  commandId?: string | number | null | undefined;
  /** The order version the client saw; a different one is a CONFLICT. */
  expectedVersion?: number | null | undefined;
  /** How the customer paid, e.g. "credit_card". At most 200 characters, no control characters. */
  method: string;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  orderId: string | number;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  paymentId: string | number;
};

export type ShipOrderInput = {
  /** At most 200 characters, no control characters. */
  carrier: string;
  /** Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input returns the original result and writes nothing; the same commandId with other input is a CONFLICT. Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent. */
  commandId?: string | number | null | undefined;
  /** A date such as "2025-01-15". */
  estimatedDelivery?: string | null | undefined;
  /** The order version the client saw; a different one is a CONFLICT. */
  expectedVersion?: number | null | undefined;
  /** 1 to 100 of A-Z a-z 0-9 . _ : - */
  orderId: string | number;
  /** At most 200 characters, no control characters. */
  trackingNumber: string;
};

/** Where the order ships and whom to tell. Personal data: sealed under the customer's own key before it is stored, erased with it (forgetCustomer). */
export type ShippingDetailsInput = {
  /** 1 to 3 lines of at most 200 characters: street and number, building, apartment. */
  addressLines: Array<string>;
  /** At most 100 characters. */
  city: string;
  /** ISO 3166-1 alpha-2 code in upper case: "DE", "US", "GB". */
  country: string;
  /** Contact email for the delivery: name@example.com, at most 254 characters. */
  email: string;
  /** At most 20 letters, digits, spaces and hyphens; absent where the country has none. */
  postalCode?: string | null | undefined;
  /** At most 200 characters. */
  recipientName: string;
  /** State, province or county; at most 100 characters. */
  region?: string | null | undefined;
};

export type FiguresQueryVariables = Exact<{
  currency: string;
}>;


export type FiguresQuery = { dashboard: { currency: string, currencies: Array<string>, ordersPlaced: number, revenue: { amount: string, currency: string }, byStatus: Array<{ status: OrderStatus, count: number, amount: { amount: string, currency: string } }>, days: Array<{ date: string, ordersPlaced: number }> } };

export type OrderRowFragment = { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null };

export type OrdersQueryVariables = Exact<{
  first: number;
}>;


export type OrdersQuery = { orders: { totalCount: number, nodes: Array<{ id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null }> } };

export type OrdersChangedSubscriptionVariables = Exact<{
  afterPosition?: number | null | undefined;
}>;


export type OrdersChangedSubscription = { ordersChanged: { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null } };

export type OrderEventsSubscriptionVariables = Exact<{
  orderId: string | number;
  afterPosition?: number | null | undefined;
}>;


export type OrderEventsSubscription = { orderEvents: { eventId: string, type: string, version: number, position: number, occurredAt: string, userId: string, correlationId: string, data: unknown } };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { placeOrder: { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null } };

export type ReceivePaymentMutationVariables = Exact<{
  input: ReceivePaymentInput;
}>;


export type ReceivePaymentMutation = { receivePayment: { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null } };

export type ShipOrderMutationVariables = Exact<{
  input: ShipOrderInput;
}>;


export type ShipOrderMutation = { shipOrder: { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null } };

export type CancelOrderMutationVariables = Exact<{
  input: CancelOrderInput;
}>;


export type CancelOrderMutation = { cancelOrder: { id: string, customerId: string, status: OrderStatus, itemCount: number, placedAt: string, updatedAt: string, version: number, position: number, paymentId: string | null, trackingNumber: string | null, carrier: string | null, cancellationReason: string | null, total: { amount: string, currency: string }, items: Array<{ productId: string, name: string, quantity: number, unitPrice: { amount: string } }>, refund: { amount: string, currency: string } | null, shipping: { status: PersonalDataStatus, recipientName: string, addressLines: Array<string>, city: string, postalCode: string | null, region: string | null, country: string, email: string } | null } };

export type ProductRowFragment = { id: string, name: string, onHand: number, reserved: number, available: number, version: number, updatedAt: string, price: { amount: string, currency: string } | null };

export type ProductsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type ProductsQuery = { products: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, name: string, onHand: number, reserved: number, available: number, version: number, updatedAt: string, price: { amount: string, currency: string } | null }> } };

export type ChangePriceMutationVariables = Exact<{
  input: ChangePriceInput;
}>;


export type ChangePriceMutation = { changePrice: { id: string, name: string, onHand: number, reserved: number, available: number, version: number, updatedAt: string, price: { amount: string, currency: string } | null } };

export type ProductStockChangedSubscriptionVariables = Exact<{
  productId: string | number;
}>;


export type ProductStockChangedSubscription = { productStockChanged: { id: string, name: string, onHand: number, reserved: number, available: number, version: number, updatedAt: string, price: { amount: string, currency: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const OrderRowFragmentDoc = new TypedDocumentString(`
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}
    `, {"fragmentName":"OrderRow"}) as unknown as TypedDocumentString<OrderRowFragment, unknown>;
export const ProductRowFragmentDoc = new TypedDocumentString(`
    fragment ProductRow on Product {
  id
  name
  price {
    amount
    currency
  }
  onHand
  reserved
  available
  version
  updatedAt
}
    `, {"fragmentName":"ProductRow"}) as unknown as TypedDocumentString<ProductRowFragment, unknown>;
export const FiguresDocument = new TypedDocumentString(`
    query Figures($currency: String!) {
  dashboard(currency: $currency) {
    currency
    currencies
    ordersPlaced
    revenue {
      amount
      currency
    }
    byStatus {
      status
      count
      amount {
        amount
        currency
      }
    }
    days {
      date
      ordersPlaced
    }
  }
}
    `) as unknown as TypedDocumentString<FiguresQuery, FiguresQueryVariables>;
export const OrdersDocument = new TypedDocumentString(`
    query Orders($first: Int!) {
  orders(first: $first) {
    totalCount
    nodes {
      ...OrderRow
    }
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<OrdersQuery, OrdersQueryVariables>;
export const OrdersChangedDocument = new TypedDocumentString(`
    subscription OrdersChanged($afterPosition: SafeInt) {
  ordersChanged(afterPosition: $afterPosition) {
    ...OrderRow
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<OrdersChangedSubscription, OrdersChangedSubscriptionVariables>;
export const OrderEventsDocument = new TypedDocumentString(`
    subscription OrderEvents($orderId: ID!, $afterPosition: SafeInt) {
  orderEvents(orderId: $orderId, afterPosition: $afterPosition) {
    eventId
    type
    version
    position
    occurredAt
    userId
    correlationId
    data
  }
}
    `) as unknown as TypedDocumentString<OrderEventsSubscription, OrderEventsSubscriptionVariables>;
export const PlaceOrderDocument = new TypedDocumentString(`
    mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    ...OrderRow
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const ReceivePaymentDocument = new TypedDocumentString(`
    mutation ReceivePayment($input: ReceivePaymentInput!) {
  receivePayment(input: $input) {
    ...OrderRow
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<ReceivePaymentMutation, ReceivePaymentMutationVariables>;
export const ShipOrderDocument = new TypedDocumentString(`
    mutation ShipOrder($input: ShipOrderInput!) {
  shipOrder(input: $input) {
    ...OrderRow
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<ShipOrderMutation, ShipOrderMutationVariables>;
export const CancelOrderDocument = new TypedDocumentString(`
    mutation CancelOrder($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    ...OrderRow
  }
}
    fragment OrderRow on Order {
  id
  customerId
  status
  total {
    amount
    currency
  }
  itemCount
  items {
    productId
    name
    quantity
    unitPrice {
      amount
    }
  }
  placedAt
  updatedAt
  version
  position
  paymentId
  trackingNumber
  carrier
  cancellationReason
  refund {
    amount
    currency
  }
  shipping {
    status
    recipientName
    addressLines
    city
    postalCode
    region
    country
    email
  }
}`) as unknown as TypedDocumentString<CancelOrderMutation, CancelOrderMutationVariables>;
export const ProductsDocument = new TypedDocumentString(`
    query Products($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      ...ProductRow
    }
  }
}
    fragment ProductRow on Product {
  id
  name
  price {
    amount
    currency
  }
  onHand
  reserved
  available
  version
  updatedAt
}`) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
export const ChangePriceDocument = new TypedDocumentString(`
    mutation ChangePrice($input: ChangePriceInput!) {
  changePrice(input: $input) {
    ...ProductRow
  }
}
    fragment ProductRow on Product {
  id
  name
  price {
    amount
    currency
  }
  onHand
  reserved
  available
  version
  updatedAt
}`) as unknown as TypedDocumentString<ChangePriceMutation, ChangePriceMutationVariables>;
export const ProductStockChangedDocument = new TypedDocumentString(`
    subscription ProductStockChanged($productId: ID!) {
  productStockChanged(productId: $productId) {
    ...ProductRow
  }
}
    fragment ProductRow on Product {
  id
  name
  price {
    amount
    currency
  }
  onHand
  reserved
  available
  version
  updatedAt
}`) as unknown as TypedDocumentString<ProductStockChangedSubscription, ProductStockChangedSubscriptionVariables>;