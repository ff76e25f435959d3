import { createClient, type Client } from 'graphql-ws/client';
import { storedToken } from './session.js';

/** What this file uses of the globals that React's, ReactDOM's and GraphiQL's browser builds define. */
type Fetcher = (params: { query: string; operationName?: string | null }, options?: { headers?: Record<string, unknown> }) => unknown;
type Globals = {
  React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
  ReactDOM: { createRoot(container: Element): { render(element: unknown): void } };
  GraphiQL: { createFetcher(options: { url: string; wsClient: Client }): Fetcher };
};

const { React, ReactDOM, GraphiQL } = window as unknown as Globals;
const GRAPHQL_URL = '/graphql';
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

const DEFAULT_QUERY = `# orderstream's API: queries and mutations go over HTTP, subscriptions over graphql-ws.
# The token comes from the Headers tab below (the dashboard's token, when it has one).
# Run the subscription, then place or pay an order on the dashboard to see it arrive.

subscription LiveOrders {
  ordersChanged {
    id
    status
    total { amount currency }
    version
    position
  }
}

query RecentOrders {
  orders(first: 10) {
    totalCount
    nodes { id customerId status total { amount } updatedAt }
  }
}
`;

/**
 * One fetcher per Authorization header: HTTP requests send the headers GraphiQL's editor holds,
 * but graphql-ws sends its connectionParams only when it connects, so a changed token needs its
 * own WebSocket client (the previous one is closed).
 */
let current: { authorization: string; client: Client; fetcher: Fetcher } | undefined;

const fetcher: Fetcher = (params, options) => {
  const authorization = headerValue(options?.headers, 'authorization');
  if (current?.authorization !== authorization) {
    void current?.client.dispose();
    const client = createClient({ url: WS_URL, connectionParams: { authorization }, lazy: true, retryAttempts: 3 });
    current = { authorization, client, fetcher: GraphiQL.createFetcher({ url: GRAPHQL_URL, wsClient: client }) };
  }
  return current.fetcher(params, options);
};

function headerValue(headers: Record<string, unknown> | undefined, name: string): string {
  const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : '';
}

const token = storedToken();
ReactDOM.createRoot(document.getElementById('graphiql')!).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify({ Authorization: `Bearer ${token ?? '<paste a token, or sign in on the dashboard>'}` }, null, 2),
    defaultEditorToolsVisibility: 'headers',
  }),
);
