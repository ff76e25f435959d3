/** One GraphQL operation against a running server, as `token`; throws with the errors' messages. */
export async function graphql<Data>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((error) => error.message).join('; ') ?? 'no data');
  return body.data;
}
