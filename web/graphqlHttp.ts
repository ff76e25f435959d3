import type { TypedDocumentString } from './generated/graphql.js';

/** An error the server answered with, worded as it worded it; `code` is its extensions.code. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }

  /** "CODE: message", as the page shows it. */
  override toString(): string {
    return this.code ? `${this.code}: ${this.message}` : this.message;
  }
}

type FormattedError = { message: string; extensions?: { code?: unknown } };

/** The first of the server's errors as a ServerError (the others are joined into its message). */
export function serverError(errors: readonly FormattedError[]): ServerError {
  const code = errors[0]?.extensions?.code;
  return new ServerError(errors.map((error) => error.message).join('; '), typeof code === 'string' ? code : undefined);
}

/**
 * Sends a query or mutation over HTTP (POST, JSON) with the bearer token. Resolves with the data;
 * rejects with a ServerError carrying the server's message and code, or with the network's error.
 */
export async function execute<Result, Variables>(
  url: string,
  authorization: string,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  let body: { data?: Result | null; errors?: FormattedError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ServerError(`The server answered ${response.status} ${response.statusText}`, undefined);
  }
  if (body.errors?.length) throw serverError(body.errors);
  if (body.data == null) throw new ServerError(`The server answered ${response.status} without data`, undefined);
  return body.data;
}
