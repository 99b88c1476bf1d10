#!/usr/bin/env node
// A Stripe webhook endpoint that verifies each delivery with stripe-node's
// `stripe.webhooks.constructEvent(body, Stripe-Signature, secret)`, as a Node shop would: checks that
// what signs Tollgate's stand-in webhooks is what Stripe's own library accepts.
//
//   node stripe-webhook-endpoint.mjs <webhook-secret>
//
// Listens on a free loopback port, prints {"port": N}, then one JSON line per delivery: whether it
// verified, the event's id, type, api_version and data.object id/status, or the library's error.
// Answers 200 when verified, 400 otherwise. Runs until killed; exit status 2 on usage errors.
import http from 'node:http';
import Stripe from 'stripe';

const [secret] = process.argv.slice(2);
if (!secret) {
  process.stderr.write('usage: node stripe-webhook-endpoint.mjs <webhook-secret>\n');
  process.exit(2);
}
// constructEvent needs no API key; the client is never used to call Stripe
const stripe = new Stripe('sk_test_unused', { telemetry: false });

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // the signature covers the raw bytes: never re-serialize before verifying
    const body = Buffer.concat(chunks);
    const seen = { method: request.method, path: request.url };
    try {
      const event = stripe.webhooks.constructEvent(body, request.headers['stripe-signature'], secret);
      Object.assign(seen, {
        verified: true,
        event_id: event.id,
        type: event.type,
        api_version: event.api_version,
        account: event.account ?? null,
        object_id: event.data?.object?.id ?? null,
        object_status: event.data?.object?.status ?? null,
      });
    } catch (e) {
      Object.assign(seen, { verified: false, error: `${e.type ?? e.name}: ${e.message}` });
    }
    process.stdout.write(JSON.stringify(seen) + '\n');
    response.writeHead(seen.verified ? 200 : 400, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ received: seen.verified }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
