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
import { toJson, wireFormatDecoder } from './wire-format.mjs';

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

async function main() {
  const [registry, ...rest] = process.argv.slice(2);
  if (!registry) usage('no registry URL given');
  const bytes = readInput(rest);
  const decoded = await wireFormatDecoder(registry)(bytes);
  process.stdout.write(JSON.stringify(decoded, toJson) + '\n');
}

main().catch((e) => {
  process.stderr.write(`confluent-wire: ${e.message}\n`);
  process.exit(1);
});
