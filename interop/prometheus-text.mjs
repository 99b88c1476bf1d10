// Reads a Prometheus text exposition (a /metrics URL) with parse-prometheus-text-format, a parser written
// apart from Micrometer and the Prometheus Java client, and prints what it found as JSON:
//   {"families": [{"name", "type", "help", "samples", "labels": [...]}], "problems": [...]}
// "problems" lists what a Prometheus server would refuse or mangle: a family without TYPE, a histogram
// whose buckets do not end at +Inf or are not cumulative, a name or label name outside the allowed
// characters. It exits 1 when the text does not parse at all.
//
//   node prometheus-text.mjs http://127.0.0.1:9090/metrics
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const url = process.argv[2];
if (!url) {
  console.error('usage: node prometheus-text.mjs <metrics url>');
  process.exit(2);
}

const response = await fetch(url);
const contentType = response.headers.get('content-type') ?? '';
const text = await response.text();
let families;
try {
  families = parsePrometheusTextFormat(text);
} catch (e) {
  console.error(`${url} is not valid Prometheus text: ${e.message}`);
  process.exit(1);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const problems = [];
if (!contentType.startsWith('text/plain')) {
  problems.push(`content type is ${contentType}, not text/plain`);
}
const summary = families.map((family) => {
  if (!NAME.test(family.name)) {
    problems.push(`${family.name}: not a valid metric name`);
  }
  if (!['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY', 'UNTYPED'].includes(family.type)) {
    problems.push(`${family.name}: no known TYPE (${family.type})`);
  }
  const labels = new Set();
  for (const sample of family.metrics) {
    for (const label of Object.keys(sample.labels ?? {})) {
      labels.add(label);
      if (!LABEL.test(label)) {
        problems.push(`${family.name}: label ${label} is not a valid label name`);
      }
    }
    if (family.type === 'HISTOGRAM') {
      const bounds = Object.keys(sample.buckets);
      if (bounds[bounds.length - 1] !== '+Inf') {
        problems.push(`${family.name}: buckets do not end at +Inf`);
      }
      const counts = bounds.map((b) => Number(sample.buckets[b]));
      if (counts.some((c, i) => i > 0 && c < counts[i - 1])) {
        problems.push(`${family.name}: bucket counts are not cumulative`);
      }
      if (Number(sample.count) !== counts[counts.length - 1]) {
        problems.push(`${family.name}: _count differs from the +Inf bucket`);
      }
    }
  }
  return { name: family.name, type: family.type, help: family.help, samples: family.metrics.length, labels: [...labels].sort() };
});
console.log(JSON.stringify({ families: summary, problems }));
