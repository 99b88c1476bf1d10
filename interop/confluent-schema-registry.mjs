#!/usr/bin/env node
// A Confluent-API schema registry and the Confluent wire format seen by @kafkajs/confluent-schema-registry,
// the most used Node client of that API (it shares no code with Tollgate's Java side). Against the
// registry at <registry-url>, under <subject>, it:
//   1. registers <schema> (as the library does: GET /config/{s}, POST /subjects/{s}/versions, and on a
//      first registration PUT /config/{s}, declaring BACKWARD_TRANSITIVE, Tollgate's level), registers it
//      again, looks it up (POST /subjects/{s}), reads the latest id (GET /subjects/{s}/versions/latest)
//      and reads the schema back by id (GET /schemas/ids/{id});
//   2. registers an incompatible change (a new field without a default), which the registry must refuse,
//      then a compatible evolution (a new nullable field with a default);
//   3. encodes <record-json> with the first id (registry.encode), and the same record plus the new field
//      with the evolved id; decodes each <wire-base64> given (registry.decode).
//
//   node confluent-schema-registry.mjs <registry-url> <subject> <schema> <record-json> [<wire-base64>...]
//       <schema> is an Avro record schema as JSON text or the path of an .avsc file; <record-json> is a
//       record of it as avsc takes it (longs and timestamps as numbers, nullable unions unwrapped).
//
// Prints one JSON object: each step's outcome (the library's errors as {name, status, message}), the
// encoded bytes as base64, the decoded records, and every HTTP exchange the library made (method, path,
// status, content types). Exit status: 0 ran every step (steps may have failed: the output says how),
// 1 could not run, 2 usage.
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import registryLibrary from '@kafkajs/confluent-schema-registry';

const { SchemaRegistry, COMPATIBILITY } = registryLibrary;
const library = `@kafkajs/confluent-schema-registry ${createRequire(import.meta.url)('@kafkajs/confluent-schema-registry/package.json').version}`;

function usage(message) {
  process.stderr.write(`${message}\nusage: node confluent-schema-registry.mjs <registry-url> <subject> <schema> <record-json> [<wire-base64>...]\n`);
  process.exit(2);
}

const [registryUrl, subject, schemaArg, recordArg, ...wireArgs] = process.argv.slice(2);
if (!recordArg) usage('missing arguments');
const schema = JSON.parse(schemaArg.trimStart().startsWith('{') ? schemaArg : readFileSync(schemaArg, 'utf8'));
if (schema.type !== 'record') usage('<schema> must be an Avro record schema');
const record = JSON.parse(recordArg);

// what went over the wire, from node's own HTTP client: the library rewrites every response's content
// type to application/json before reading it, so what the server declared is only visible here
const exchanges = [];
diagnostics.channel('http.client.response.finish').subscribe(({ request, response }) => {
  exchanges.push({
    method: request.method,
    path: request.path,
    request_content_type: request.getHeader('content-type') ?? null,
    status: response.statusCode,
    content_type: response.headers['content-type'] ?? null,
  });
});

// one request per call: retries would hide what the server answered
const registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 } });
const asRegistered = { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE };

function failure(e) {
  return { error: { name: e.name, status: e.status ?? null, message: e.message } };
}

async function step(call) {
  try {
    return await call();
  } catch (e) {
    return failure(e);
  }
}

// a step that needs an earlier step's id is skipped, with why, when that step failed
function idOf(earlier) {
  if (!Number.isInteger(earlier?.id)) throw Object.assign(new Error(`no id: ${JSON.stringify(earlier)}`), { name: 'Skipped' });
  return earlier.id;
}

const withField = (field) => ({ ...schema, fields: [...schema.fields, field] });
const base64 = (buffer) => buffer.toString('base64');

async function main() {
  const out = { library };
  out.registered = await step(() => registry.register(schema, asRegistered));
  out.registered_again = await step(() => registry.register(schema, asRegistered));
  out.lookup_id = await step(() => registry.getRegistryIdBySchema(subject, schema));
  out.latest_id = await step(() => registry.getLatestSchemaId(subject));
  // a fresh client, so the schema really comes from GET /schemas/ids/{id} rather than register's cache
  const reader = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 } });
  out.schema_by_id = await step(async () => (await reader.getSchema(idOf(out.registered))).schema());

  out.incompatible = await step(() => registry.register(
    withField({ name: 'interop_required', type: 'string' }), asRegistered));
  const evolved = withField({ name: 'interop_note', type: ['null', 'string'], default: null });
  out.evolved = await step(() => registry.register(evolved, asRegistered));
  out.latest_id_after_evolution = await step(() => registry.getLatestSchemaId(subject));

  out.encoded = await step(async () => ({ id: idOf(out.registered), base64: base64(await registry.encode(idOf(out.registered), record)) }));
  out.encoded_evolved = await step(async () => ({
    id: idOf(out.evolved),
    base64: base64(await registry.encode(idOf(out.evolved), { ...record, interop_note: 'written by node' })),
  }));
  // decoded by the fresh client: the writer schema is fetched by the id the bytes carry
  out.decoded = [];
  for (const wire of wireArgs) {
    out.decoded.push(await step(async () => ({ value: await reader.decode(Buffer.from(wire, 'base64')) })));
  }
  out.exchanges = exchanges;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`confluent-schema-registry: ${e.stack ?? e}\nexchanges so far: ${JSON.stringify(exchanges)}\n`);
  process.exit(1);
});
