#!/usr/bin/env node
// Tollgate's signed hook calls seen by the official Standard Webhooks JS library (npm
// `standardwebhooks`), which shares no code with the Java library Tollgate signs with.
//
//   node standard-webhooks.mjs hook <secret> [<secret>...]
//       A merchant's pre-confirmation hook on a free loopback port. Prints {"port": N}, then one
//       JSON line per request: what arrived and, for each secret given, whether
//       `new Webhook(secret).verify(body, headers)` accepted it with that secret alone. Answers
//       200 {"available": true} when some secret verifies, 401 otherwise.
//   node standard-webhooks.mjs sign <secret> <webhook-id> <unix-seconds> <body>
//       Prints {"signature": "v1,..."}: the library's signature of <body>.
//
// Exit status: 0 done (the hook runs until killed), 2 usage.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

function usage(message) {
  process.stderr.write(`${message}\nusage: node standard-webhooks.mjs (hook <secret>... | sign <secret> <id> <unix-seconds> <body>)\n`);
  process.exit(2);
}

function verifyEach(secrets, body, headers) {
  return secrets.map((secret) => {
    try {
      new Webhook(secret).verify(body, headers);
      return { verified: true };
    } catch (e) {
      return { verified: false, error: `${e.name}: ${e.message}` };
    }
  });
}

function hook(secrets) {
  if (secrets.length === 0) usage('hook needs at least one secret');
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      // verified over the bytes exactly as they arrived, as a merchant must
      const body = Buffer.concat(chunks);
      const results = verifyEach(secrets, body, request.headers);
      const accepted = results.some((r) => r.verified);
      process.stdout.write(JSON.stringify({
        method: request.method,
        path: request.url,
        content_type: request.headers['content-type'] ?? null,
        webhook_id: request.headers['webhook-id'] ?? null,
        webhook_timestamp: request.headers['webhook-timestamp'] ?? null,
        webhook_signature: request.headers['webhook-signature'] ?? null,
        body: body.toString('utf8'),
        secrets: results,
        answered: accepted ? 200 : 401,
      }) + '\n');
      response.writeHead(accepted ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(accepted ? { available: true } : { error: 'signature not verified' }));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  });
}

function sign([secret, id, seconds, body]) {
  if (body === undefined || !/^\d+$/.test(seconds ?? '')) usage('sign needs <secret> <id> <unix-seconds> <body>');
  const signature = new Webhook(secret).sign(id, new Date(Number(seconds) * 1000), body);
  process.stdout.write(JSON.stringify({ signature }) + '\n');
}

const [command, ...args] = process.argv.slice(2);
if (command === 'hook') hook(args);
else if (command === 'sign') sign(args);
else usage(`unknown command ${command ?? '(none)'}`);
