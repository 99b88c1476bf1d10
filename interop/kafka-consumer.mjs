#!/usr/bin/env node
// A downstream consumer of a Tollgate topic written in another language: kafkajs (pure JS, no
// librdkafka) reads the records in a consumer group of its own from the beginning, and each value is
// decoded from the Confluent wire format with avsc, its writer schema fetched by id from the registry.
//
//   node kafka-consumer.mjs <bootstrap-servers> <registry-url> <topic> <count> [<timeout-seconds>]
//
// Prints {"client", "records": [{partition, offset, key, schema_id, schema, value}]} once <count>
// records are read. Exit status: 0 read them, 1 failed or timed out (what it read so far and the
// client's error on stderr), 2 usage. kafkajs's own log goes to stderr.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { toJson, wireFormatDecoder } from './wire-format.mjs';

const { Kafka, logLevel } = kafkajs;
const client = `kafkajs ${createRequire(import.meta.url)('kafkajs/package.json').version}`;
const [bootstrap, registry, topic, countArg, timeoutArg = '60'] = process.argv.slice(2);
const count = Number(countArg);
if (!topic || !Number.isInteger(count) || count < 1 || !/^\d+$/.test(timeoutArg)) {
  process.stderr.write('usage: node kafka-consumer.mjs <bootstrap-servers> <registry-url> <topic> <count> [<timeout-seconds>]\n');
  process.exit(2);
}

const levelNames = Object.fromEntries(Object.entries(logLevel).map(([name, level]) => [level, name]));
const logToStderr = () => ({ namespace, level, log }) => {
  const { message, ...extra } = log;
  process.stderr.write(`kafkajs ${levelNames[level] ?? level} ${namespace}: ${message} ${JSON.stringify(extra)}\n`);
};

const kafka = new Kafka({
  clientId: 'tollgate-interop',
  brokers: bootstrap.split(',').map((s) => s.trim()).filter(Boolean),
  logLevel: logLevel.WARN,
  logCreator: logToStderr,
  retry: { retries: 3 },
});
const consumer = kafka.consumer({ groupId: `tollgate-interop-${process.pid}-${Date.now().toString(36)}` });
const decode = wireFormatDecoder(registry);
const records = [];

function report(message) {
  process.stderr.write(`kafka-consumer: ${message}\nread so far: ${JSON.stringify(records, toJson)}\n`);
}

async function fail(message) {
  report(message);
  await consumer.disconnect().catch(() => {});
  process.exit(1);
}

const timer = setTimeout(() => fail(`read ${records.length} of ${count} records in ${timeoutArg} s`), Number(timeoutArg) * 1000);
consumer.on(consumer.events.CRASH, ({ payload }) => {
  // kafkajs restarts itself after retriable errors (a group coordinator still loading, say)
  if (!payload.restart) fail(`consumer crashed: ${payload.error?.name}: ${payload.error?.message}`);
});

async function main() {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      let decoded;
      try {
        decoded = await decode(message.value);
      } catch (e) {
        // kafkajs would retry the message for ever, and disconnecting would wait for this handler
        report(`partition ${partition} offset ${message.offset}: ${e.message}`);
        process.exit(1);
      }
      records.push({ partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, ...decoded });
      if (records.length === count) {
        clearTimeout(timer);
        process.stdout.write(JSON.stringify({ client, records }, toJson) + '\n');
        // leave the group without waiting for this handler to return
        setImmediate(async () => {
          await consumer.disconnect().catch(() => {});
          process.exit(0);
        });
      }
    },
  });
}

main().catch((e) => fail(`${e.name}: ${e.message}${e.type ? ` (${e.type})` : ''}`));
