import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GetOrderDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { TEST_AUTH } from '../support/auth.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { ALICE, ERASED } from '../support/personalData.js';
import { startTestServer } from '../support/startServer.js';

const run = promisify(execFile);
/** The CLI signs its requests as an admin with the same secret as the test servers. */
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret } });

describe('orderstream forget-customer', () => {
  it('should forget the customer through the running server, say what it did, and fail clearly on what it cannot', async () => {
    const server = await startTestServer();
    await requestData(server.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId: 'cli-1', customerId: 'cust-cli', shipping: ALICE }),
    });

    const { stdout } = await cli(['forget-customer', 'cust-cli', '--url', server.url]);

    expect(stdout).toMatch(/^Forgot customer cust-cli at \S+: 1 data key destroyed now, CustomerForgotten at log position \d+\./);
    expect((await requestData(server.url, GetOrderDocument, { id: 'cli-1' })).order?.shipping).toEqual(ERASED);
    await expect(cli(['forget-customer', 'x'.repeat(101), '--url', server.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('customerId must be 1 to 100 characters'),
    });
    await expect(cli(['forget-customer'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("missing required argument 'customerId'"),
    });
    await server.dispose();
  });
});
