import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, type TestUser } from './auth.js';
import { type GraphQLResponse, request } from './graphqlClient.js';

export type Transport = 'http' | 'ws';

/** What one operation got: its first result, or the code the server closed the WebSocket with. */
export type Outcome<Data> = GraphQLResponse<Data> & { closeCode?: number };

/**
 * Sends one operation as `user` (undefined: no token) over HTTP or over a fresh graphql-ws
 * connection, and returns the first result (a subscription is then completed).
 */
export async function sendAs<Data, Variables extends Record<string, unknown>>(
  transport: Transport,
  server: { url: string; wsUrl: string },
  user: TestUser | undefined,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Outcome<Data>> {
  const authorization = user ? await bearer(user) : '';
  if (transport === 'http') return request(server.url, document, variables, { authorization });

  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: user ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
  });
  try {
    return await new Promise<Outcome<Data>>((resolve) => {
      let unsubscribe = () => {};
      unsubscribe = client.subscribe<Data>(
        { query: print(document), variables },
        {
          next: (result) => {
            resolve(result as Outcome<Data>);
            unsubscribe();
          },
          error: (error) => {
            if (Array.isArray(error)) resolve({ errors: error });
            else resolve({ closeCode: (error as { code?: number }).code });
          },
          complete: () => resolve({}),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}
