// The Confluent wire format read with avsc, shared by the interop scripts: magic byte 0, a 4-byte
// big-endian schema id, then Avro binary. The writer schema is fetched by id from a Confluent-API
// schema registry (GET /schemas/ids/{id}) and kept for the life of the process, as Confluent's own
// deserializers do.
import avro from 'avsc';

const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5';

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

/** A decoder for one registry (a comma-separated list of URLs tried in turn). */
export function wireFormatDecoder(registry) {
  const registryUrls = registry.split(',').map((s) => s.trim()).filter(Boolean);
  const types = new Map();
  return async function decode(bytes) {
    if (bytes.length < 5 || bytes[0] !== 0) {
      throw new Error(`not the Confluent wire format: ${bytes.length} bytes, first byte ${bytes[0]} (want magic byte 0)`);
    }
    const id = bytes.readInt32BE(1);
    if (!types.has(id)) types.set(id, avro.Type.forSchema(await fetchSchema(registryUrls, id)));
    const type = types.get(id);
    const { value, offset } = type.decode(bytes, 5);
    if (offset !== bytes.length) {
      // a short read (offset -1) or trailing bytes both mean the framing or the schema is wrong
      throw new Error(`record does not match schema ${id}: decoded up to ${offset} of ${bytes.length} bytes`);
    }
    return { schema_id: id, schema: type.name, value };
  };
}

/** JSON.stringify replacer: Avro bytes print as hex. */
export function toJson(key, value) {
  if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data).toString('hex');
  return value;
}
