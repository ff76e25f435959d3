import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { ADMIN, bearer } from './auth.js';

export type GraphQLResponse<Data> = { data?: Data | null; errors?: GraphQLFormattedError[] };

/**
 * One GraphQL request over real HTTP, as an admin unless `headers` has an `authorization` (an
 * empty one sends none).
 */
export async function request<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: await withAuthorization({ 'content-type': 'application/json', ...headers }),
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
}

/** Like `request`, but fails the test on any error and returns the data. */
export async function requestData<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  headers?: Record<string, string>,
): Promise<Data> {
  const response = await request(url, document, variables, headers);
  if (response.errors?.length || !response.data) {
    throw new Error(`GraphQL request failed: ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

const openClients = new Set<Client>();

/**
 * A real graphql-ws client, signed in as an admin unless `connectionParams` has an `authorization`
 * (undefined sends none); disposed after the test file if the test did not.
 */
export function wsClient(wsUrl: string, connectionParams: Record<string, unknown> = {}): Client {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: async () =>
      'authorization' in connectionParams ? connectionParams : { authorization: await bearer(ADMIN), ...connectionParams },
    retryAttempts: 0,
  });
  openClients.add(client);
  return client;
}

/** Subscribes over graphql-ws and returns an async iterator of execution results. */
export function subscribe<Data, Variables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): AsyncIterableIterator<GraphQLResponse<Data>> {
  return client.iterate({ query: print(document), variables }) as AsyncIterableIterator<GraphQLResponse<Data>>;
}

afterAll(async () => {
  await Promise.all([...openClients].map((client) => client.dispose()));
  openClients.clear();
});

/** Headers with an admin's authorization added when none is given; an empty one is dropped. */
export async function withAuthorization(headers: Record<string, string>): Promise<Record<string, string>> {
  if (!('authorization' in headers)) return { ...headers, authorization: await bearer(ADMIN) };
  const { authorization, ...rest } = headers;
  return authorization ? headers : rest;
}
