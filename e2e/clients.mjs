// Drives a running loyaltygraph with unmodified npm clients, as a partner's
// or an admin's own code would:
//   - graphql-request: queries and mutations over HTTP POST, and an error's
//     extensions.code;
//   - graphql-ws (with ws): a subscription over graphql-transport-ws;
//   - graphql-sse: the same subscription over Server-Sent Events;
//   - fetch: the till's receipt (POST /api/receipt-receiver/v2/receipts).
//
// Run by internal/e2e's TestNPMClients (make test), which starts the service
// and passes, in the environment:
//   LG_E2E_URL         base URL of the service (http://127.0.0.1:PORT)
//   LG_E2E_ADMIN       Authorization header value of an admin (Basic …)
//   LG_E2E_PARTNER     Authorization header value of a partner (Basic …)
//   LG_E2E_POS         Authorization header value of a till (Basic …)
//   LG_E2E_MERCHANT    the till's merchant id
//   LG_E2E_PHONE       phone number of a user of the partner
//   LG_E2E_USER_ID     that user's id
//   LG_E2E_CARD_TOKEN  the card token of that user's card
//
// Each step prints one JSON line {"step": NAME, ...} on stdout for the Go
// test to check. After "subscribed" the script waits for a line on stdin
// (the Go test sends it once the server holds both subscriptions), then
// posts the receipt and prints what each subscription received. Any
// failure prints {"step": "error", ...} and exits 1.
import { createInterface } from 'node:readline';
import { GraphQLClient, ClientError } from 'graphql-request';
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';
import WebSocket from 'ws';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('LG_E2E_URL').replace(/\/$/, '');
const admin = env('LG_E2E_ADMIN');
const partner = env('LG_E2E_PARTNER');
const pos = env('LG_E2E_POS');
const merchantId = env('LG_E2E_MERCHANT');
const phone = env('LG_E2E_PHONE');
const userId = env('LG_E2E_USER_ID');
const cardToken = env('LG_E2E_CARD_TOKEN');
const endpoint = `${base}/graphql`;

const print = (step, fields) => process.stdout.write(JSON.stringify({ step, ...fields }) + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const withTimeout = (promise, ms, what) =>
  Promise.race([promise, sleep(ms).then(() => { throw new Error(`${what}: nothing within ${ms} ms`); })]);

const asAdmin = new GraphQLClient(endpoint, { headers: { Authorization: admin } });
const asPartner = new GraphQLClient(endpoint, { headers: { Authorization: partner } });

// Each line of stdin resolves the next waiter.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => {
  const { value, done } = await lines.next();
  if (done) throw new Error('stdin closed before the go-ahead');
  return value;
};

async function main() {
  // 1. A query: the merchants, as an admin.
  const m = await asAdmin.request(`query { merchants(first: 100) { totalCount nodes { merchantId merchantName } } }`);
  print('query', { totalCount: m.merchants.totalCount, merchantIds: m.merchants.nodes.map((n) => n.merchantId) });

  // 2. A mutation: createMerchant, with variables.
  const created = await asAdmin.request(
    `mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { merchant { merchantId merchantName merchantStatus } userErrors { field message } } }`,
    { input: { merchantName: 'npm client Ærø' } },
  );
  print('mutation', { merchant: created.createMerchant.merchant, userErrors: created.createMerchant.userErrors });

  // 3. An error: a partner may not list merchants. graphql-request throws a
  //    ClientError carrying the response.
  try {
    await asPartner.request(`query { merchants { totalCount } }`);
    throw new Error('merchants as a partner: no error');
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    const err = e.response.errors?.[0] ?? {};
    print('graphqlError', { status: e.response.status, code: err.extensions?.code ?? null, message: err.message, path: err.path ?? null });
  }

  // 4. The partner logs its user in: requestUserToken texts an OTP, which an
  //    admin reads back from sentMessages (a development sender keeps them),
  //    and verifyUserToken exchanges it for an access token.
  const req = await asPartner.request(
    `mutation($p: String!) { requestUserToken(phonenumber: $p) { accepted userErrors { field message } } }`, { p: phone });
  if (!req.requestUserToken.accepted) throw new Error(`requestUserToken: ${JSON.stringify(req.requestUserToken)}`);
  let otp = '';
  for (let i = 0; i < 200 && !otp; i++) {
    const s = await asAdmin.request(`query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, { to: phone });
    const match = s.sentMessages.nodes.map((x) => /(\d{4,12})\D*$/.exec(x.body)).find(Boolean);
    if (match) otp = match[1];
    else await sleep(50);
  }
  if (!otp) throw new Error(`no OTP texted to ${phone} within 10 s`);
  const ver = await asPartner.request(
    `mutation($p: String!, $o: String!) { verifyUserToken(phonenumber: $p, otp: $o) { accessToken userErrors { field message } } }`,
    { p: phone, o: otp });
  const accessToken = ver.verifyUserToken.accessToken;
  if (!accessToken) throw new Error(`verifyUserToken: ${JSON.stringify(ver.verifyUserToken)}`);
  const asUser = new GraphQLClient(endpoint, { headers: { 'X-Storebox-user-token': accessToken } });
  const v = await asUser.request(`query { viewer { userId phoneNumber cards { nodes { truncatedPan } } } }`);
  print('login', { viewer: v.viewer });

  // 5. A refused subscription: graphql-ws reports the server closing the
  //    connection (4403) for credentials it does not accept.
  const refused = createWSClient({
    url: endpoint.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { 'X-Storebox-user-token': 'not-a-token' },
    retryAttempts: 0,
  });
  const closed = await withTimeout(new Promise((resolve) => {
    refused.subscribe({ query: `subscription { receiptAdded { receiptId } }` }, {
      next: (value) => resolve({ next: value }),
      error: (err) => resolve({ code: err?.code ?? null, reason: err?.reason ?? String(err?.message ?? err) }),
      complete: () => resolve({ complete: true }),
    });
  }), 10000, 'the refused subscription');
  await refused.dispose();
  print('wsRefused', closed);

  // 6. Subscriptions: the user over graphql-transport-ws (credentials in
  //    connection_init), the partner over SSE (credentials in the headers).
  const ws = createWSClient({
    url: endpoint.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { 'X-Storebox-user-token': accessToken },
    retryAttempts: 0,
  });
  const sse = createSSEClient({ url: endpoint, headers: { Authorization: partner }, retryAttempts: 0 });
  const receive = (client, payload) => {
    let dispose = () => {};
    const first = new Promise((resolve, reject) => {
      dispose = client.subscribe(payload, {
        next: (value) => resolve(value),
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => reject(new Error('completed before any event')),
      });
    });
    return { first, dispose: () => dispose() };
  };
  const viaWS = receive(ws, { query: `subscription { receiptAdded { receiptId merchant { merchantId } } }` });
  const viaSSE = receive(sse, {
    query: `subscription($u: ID) { receiptAdded(userId: $u) { receiptId merchant { merchantId } } }`,
    variables: { u: userId },
  });
  // An early error (refused credentials) surfaces before the go-ahead.
  viaWS.first.catch(() => {});
  viaSSE.first.catch(() => {});
  print('subscribed', {});
  await withTimeout(nextLine(), 15000, 'the go-ahead on stdin');

  // 7. The till posts a receipt paid with the user's card.
  const started = Date.now();
  const res = await fetch(`${base}/api/receipt-receiver/v2/receipts`, {
    method: 'POST',
    headers: { Authorization: pos, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      externalReceiptId: `npm-${Date.now()}`, externalReceiptIdType: 'till', purchaseDateTime: '2026-11-01T10:34:23+02:00',
      storeId: 's1', storeName: 'Ærø Bageri Nørrebro', orderNumber: '42',
      totalOrderPrice: { amount: 34.5, currency: 'DKK', vatRates: [{ rate: 25, value: 6.9 }] },
      receiptLines: [{ lineNumber: 1, name: 'Smørrebrød', count: 2, itemPrice: '17.25', totalPrice: 34.5, vatRate: 25 }],
      payments: [{ type: 'CARD', amount: '34.50', cardToken, truncatedCardNumber: '457100XXXXXX0001', transactionId: `3${Date.now()}` }],
    }),
  });
  const posted = await res.json();
  print('receipt', { status: res.status, receiptId: posted.receiptId ?? null, merchantId });
  if (res.status !== 201) throw new Error(`POST receipt: ${res.status} ${JSON.stringify(posted)}`);

  const [w, s] = await withTimeout(Promise.all([viaWS.first, viaSSE.first]), 10000, 'receiptAdded');
  print('receiptAdded', { ws: w, sse: s, ms: Date.now() - started });
  viaWS.dispose();
  viaSSE.dispose();
  await ws.dispose();
  sse.dispose();
}

main().then(
  () => {
    print('done', {});
    process.exit(0);
  },
  (e) => {
    const detail = e instanceof ClientError ? { response: e.response } : {};
    print('error', { fatal: true, message: e?.message ?? String(e), ...detail });
    process.exit(1);
  },
);
