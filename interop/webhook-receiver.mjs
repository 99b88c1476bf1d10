#!/usr/bin/env node
// A partner's webhook endpoints as an independent party sees Tollgate's deliveries: every signature is
// checked with the official Standard Webhooks JS library (npm `standardwebhooks`) or, for endpoints
// that take SWAP's {"jwt": ...} body, with `jose` (npm), neither of which shares code with Tollgate.
//
//   node webhook-receiver.mjs
//       Listens on a free loopback port and prints {"port": N}, then one JSON line per delivery.
//       Paths are set up (and changed) by the test through a control route:
//         POST /_control/paths {"path": "/a", "scheme": "standard"|"jwt", "secrets": ["whsec_..."],
//                               "audience": "we_...", "plan": ["503", "429:2", "hang", "410"]}
//       Each delivery to a path is checked with each secret alone, and answered by the next step of its
//       plan (a status, a status with Retry-After seconds, or "hang": no answer until released), then
//       200 once the plan is used up — but 401 whenever no secret verifies.
//         POST /_control/release {"path": "/a"}   answers every hanging delivery of the path (200).
//       A delivery's line: {path, at, webhook_id, webhook_timestamp, webhook_signature, body, verified
//       (one per secret), claims (JWT, when verified), jwt_header, answered, errors}.
//
// Exit status: 0 (runs until killed), 2 usage.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { jwtVerify, decodeProtectedHeader } from 'jose';

const paths = new Map();
const hanging = new Map();

function keyOf(secret) {
  return new Uint8Array(Buffer.from(secret.slice('whsec_'.length), 'base64'));
}

async function verifyJwt(token, secret, audience) {
  const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'], issuer: 'tollgate', audience });
  if (typeof payload.exp !== 'number') throw new Error('no exp claim');
  return payload;
}

async function check(config, body, headers) {
  const results = [];
  let claims = null;
  let jwtHeader = null;
  for (const secret of config.secrets) {
    try {
      if (config.scheme === 'jwt') {
        const parsed = JSON.parse(body.toString('utf8'));
        // during a rotation the previous secret signs jwt_previous; a receiver holding it checks that one
        let verified = null;
        let lastError = null;
        for (const token of [parsed.jwt, parsed.jwt_previous].filter(Boolean)) {
          try {
            verified = await verifyJwt(token, secret, config.audience);
            jwtHeader = decodeProtectedHeader(token);
            break;
          } catch (e) {
            lastError = e;
          }
        }
        if (!verified) throw lastError ?? new Error('no jwt');
        claims = verified;
      } else {
        new Webhook(secret).verify(body, headers);
      }
      results.push({ verified: true });
    } catch (e) {
      results.push({ verified: false, error: `${e.name}: ${e.message}` });
    }
  }
  return { results, claims, jwtHeader };
}

function control(request, response, body) {
  const command = JSON.parse(body.toString('utf8') || '{}');
  if (request.url === '/_control/paths') {
    paths.set(command.path, { scheme: command.scheme ?? 'standard', secrets: command.secrets ?? [],
      audience: command.audience, plan: [...(command.plan ?? [])] });
  } else if (request.url === '/_control/release') {
    for (const waiting of hanging.get(command.path) ?? []) {
      waiting.writeHead(200, { 'Content-Type': 'application/json' });
      waiting.end('{"released":true}');
    }
    hanging.set(command.path, []);
  } else {
    response.writeHead(404);
    response.end();
    return;
  }
  response.writeHead(204);
  response.end();
}

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const body = Buffer.concat(chunks);
    if (request.url.startsWith('/_control/')) {
      control(request, response, body);
      return;
    }
    const config = paths.get(request.url) ?? { scheme: 'standard', secrets: [], plan: [] };
    const { results, claims, jwtHeader } = await check(config, body, request.headers);
    const accepted = results.some((r) => r.verified);
    const step = accepted ? (config.plan.shift() ?? '200') : '401';
    const line = {
      path: request.url,
      at: Date.now(),
      content_type: request.headers['content-type'] ?? null,
      webhook_id: request.headers['webhook-id'] ?? null,
      webhook_timestamp: request.headers['webhook-timestamp'] ?? null,
      webhook_signature: request.headers['webhook-signature'] ?? null,
      body: body.toString('utf8'),
      verified: results.map((r) => r.verified),
      errors: results.filter((r) => !r.verified).map((r) => r.error),
      claims,
      jwt_header: jwtHeader,
      answered: step,
    };
    process.stdout.write(JSON.stringify(line) + '\n');
    if (step === 'hang') {
      if (!hanging.has(request.url)) hanging.set(request.url, []);
      hanging.get(request.url).push(response);
      return;
    }
    const [status, retryAfter] = step.split(':');
    const headers = { 'Content-Type': 'application/json' };
    if (retryAfter !== undefined) headers['Retry-After'] = retryAfter;
    response.writeHead(Number(status), headers);
    response.end(JSON.stringify({ received: true }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
