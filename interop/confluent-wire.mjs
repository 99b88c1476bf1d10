#!/usr/bin/env node
// Decodes one Kafka record value in the Confluent wire format (magic byte 0, 4-byte big-endian
// schema id, Avro binary) with avsc, an Avro implementation that shares no code with Tollgate's
// Java side. The writer schema is fetched by id from a Confluent-API schema registry, as any
// non-Java consumer of Tollgate's topics would do.
//
//   node confluent-wire.mjs <registry-url> <file>         raw record bytes from a file
//   node confluent-wire.mjs <registry-url> --hex <hex>    the bytes as hex
//   node confluent-wire.mjs <registry-url> -              raw bytes on stdin
//
// Prints {"schema_id", "schema", "value"} as JSON. Unions of several records are wrapped as
// {"<full name>": {...}} (avsc's "auto" mode); nullable fields are plain; bytes print as hex.
// Exit status: 0 decoded, 1 registry or decoding failure, 2 usage.
import { readFileSync } from 'node:fs';
import avro from 'avsc';

const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5';

function usage(message) {
  process.stderr.write(`${message}\nusage: node confluent-wire.mjs <registry-url> (<file> | --hex <hex> | -)\n`);
  process.exit(2);
}

function readInput(args) {
  if (args[0] === '--hex') {
    const hex = (args[1] ?? '').replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) usage('--hex needs an even number of hex digits');
    return Buffer.from(hex, 'hex');
  }
  if (args[0] === '-') return readFileSync(0);
  if (!args[0]) usage('no input given');
  return readFileSync(args[0]);
}

async function fetchSchema(registryUrls, id) {
  let lastError;
  for (const base of registryUrls) {
    const url = `${base.replace(/\/+$/, '')}/schemas/ids/${id}`;
    let response;
    try {
      response = await fetch(url, { headers: { Accept: ACCEPT }, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      lastError = new Error(`cannot reach ${url}: ${e.message}`);
      continue;
    }
    const body = await response.text();
    if (!response.ok) {
      let detail = body;
      try {
        const error = JSON.parse(body);
        detail = `error_code ${error.error_code}: ${error.message}`;
      } catch { /* not JSON: show as is */ }
      throw new Error(`registry answered ${response.status} for schema id ${id} (${detail})`);
    }
    const { schema, schemaType } = JSON.parse(body);
    if (schemaType && schemaType !== 'AVRO') throw new Error(`schema id ${id} is ${schemaType}, not AVRO`);
    return JSON.parse(schema);
  }
  throw lastError;
}

function toJson(key, value) {
  if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data).toString('hex');
  return value;
}

async function main() {
  const [registry, ...rest] = process.argv.slice(2);
  if (!registry) usage('no registry URL given');
  const bytes = readInput(rest);
  if (bytes.length < 5 || bytes[0] !== 0) {
    throw new Error(`not the Confluent wire format: ${bytes.length} bytes, first byte ${bytes[0]} (want magic byte 0)`);
  }
  const id = bytes.readInt32BE(1);
  const schemaJson = await fetchSchema(registry.split(',').map((s) => s.trim()).filter(Boolean), id);
  const type = avro.Type.forSchema(schemaJson);
  const { value, offset } = type.decode(bytes, 5);
  if (offset !== bytes.length) {
    // a short read (offset -1) or trailing bytes both mean the framing or the schema is wrong
    throw new Error(`record does not match schema ${id}: decoded up to ${offset} of ${bytes.length} bytes`);
  }
  process.stdout.write(JSON.stringify({ schema_id: id, schema: type.name, value }, toJson) + '\n');
}

main().catch((e) => {
  process.stderr.write(`confluent-wire: ${e.message}\n`);
  process.exit(1);
});
