import { graphql } from './serverRequest.js';

type Forgotten = { customerId: string; forgottenAt: string; keysDestroyed: number; position: number };

/** Forgets a customer through a running server's `forgetCustomer` mutation (the keys and the log are the server's). */
export async function forgetCustomerThroughServer(url: string, customerId: string, token: string): Promise<string> {
  const { forgetCustomer } = await graphql<{ forgetCustomer: Forgotten }>(
    url,
    token,
    'mutation Forget($customerId: ID!) { forgetCustomer(customerId: $customerId) { customerId forgottenAt keysDestroyed position } }',
    { customerId },
  );
  const keys = forgetCustomer.keysDestroyed === 1 ? '1 data key' : `${forgetCustomer.keysDestroyed} data keys`;
  return (
    `Forgot customer ${forgetCustomer.customerId} at ${forgetCustomer.forgottenAt}: ${keys} destroyed now, ` +
    `CustomerForgotten at log position ${forgetCustomer.position}. Their shipping details read "[erased]" everywhere.`
  );
}
