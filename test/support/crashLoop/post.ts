import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { ADMIN, bearer, type TestUser } from '../auth.js';

const REQUEST_TIMEOUT_MS = 15_000;

export type Answer =
  | { kind: 'answered'; data?: Record<string, any> | null; errors?: GraphQLFormattedError[] }
  | { kind: 'unanswered'; error: unknown };

/** One GraphQL POST; a connection cut by a kill (or no answer in time) is `unanswered`, never thrown. */
export async function post<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  user: TestUser = ADMIN,
): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await bearer(user) },
      body: JSON.stringify({ query: print(document), variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as { data?: Record<string, any> | null; errors?: GraphQLFormattedError[] };
    return { kind: 'answered', ...body };
  } catch (error) {
    return { kind: 'unanswered', error };
  }
}

/** One GraphQL POST as an admin that must succeed: throws on no answer or any error, else returns the data. */
export async function postData<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const answer = await post(url, document, variables);
  if (answer.kind === 'unanswered') throw new Error(`No answer from ${url}: ${String(answer.error)}`);
  if (answer.errors?.length || !answer.data) throw new Error(`GraphQL request failed: ${JSON.stringify(answer.errors)}`);
  return answer.data as Data;
}
