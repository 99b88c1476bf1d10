// Reads a Prometheus text exposition (a /metrics URL) with parse-prometheus-text-format, a parser written
// apart from Micrometer and the Prometheus Java client, and prints what it found as JSON:
//   {"families": [{"name", "type", "help", "labels": [...]}], "problems": [...]}
// "problems" lists what a Prometheus server or a dashboard would stumble on: a family without TYPE, a
// histogram series whose buckets do not end at +Inf, are not cumulative or disagree with its
// _count, a name or label name outside the allowed characters, a content type other than text/plain.
// It exits 1 when the text does not parse at all.
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
// The parser folds a histogram's labelled series into one object (it keeps le but not the other labels),
// so each histogram series is checked from its own sample lines: buckets cumulative, ending at +Inf,
// and the +Inf bucket equal to _count.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const series = new Map();
for (const line of text.split('\n')) {
  const m = SAMPLE.exec(line);
  if (!m || line.startsWith('#')) {
    continue;
  }
  const [, name, labelText = '', value] = m;
  const le = /(?:^|,)le="([^"]*)"/.exec(labelText);
  const base = name.replace(/_(bucket|count|sum)$/, '');
  const key = `${base}{${labelText.replace(/(?:^|,)le="[^"]*"/, '')}}`;
  if (!series.has(key)) {
    series.set(key, { base, buckets: [], count: undefined });
  }
  const s = series.get(key);
  if (name.endsWith('_bucket') && le) {
    s.buckets.push([le[1], Number(value)]);
  } else if (name.endsWith('_count')) {
    s.count = Number(value);
  }
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
  }
  if (family.type === 'HISTOGRAM') {
    for (const [key, s] of series) {
      if (s.base !== family.name) {
        continue;
      }
      const counts = s.buckets.map(([, c]) => c);
      if (s.buckets.length === 0 || s.buckets[s.buckets.length - 1][0] !== '+Inf') {
        problems.push(`${key}: buckets do not end at +Inf`);
      } else if (counts.some((c, i) => i > 0 && c < counts[i - 1])) {
        problems.push(`${key}: bucket counts are not cumulative`);
      } else if (s.count !== counts[counts.length - 1]) {
        problems.push(`${key}: _count differs from the +Inf bucket`);
      }
    }
  }
  return { name: family.name, type: family.type, help: family.help, labels: [...labels].sort() };
});
console.log(JSON.stringify({ families: summary, problems }));
