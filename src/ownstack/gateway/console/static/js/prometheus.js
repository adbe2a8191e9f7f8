// The Prometheus text exposition format (version 0.0.4), read into samples:
// [{name, labels: {k: v}, value}]. Comments (# HELP, # TYPE) and blank lines are skipped.

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function unescape(value) {
  return value.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
}

function labelsOf(text) {
  const labels = {};
  if (!text) return labels;
  LABEL.lastIndex = 0;
  let match;
  while ((match = LABEL.exec(text)) !== null) labels[match[1]] = unescape(match[2]);
  return labels;
}

function numberOf(text) {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

export function parse(text) {
  const samples = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (match) samples.push({ name: match[1], labels: labelsOf(match[3]), value: numberOf(match[4]) });
  }
  return samples;
}

/** Sum the samples named `name`, grouped by the value of label `by` ("" sums them all). */
export function sumBy(samples, name, by = "") {
  const sums = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const group = by ? s.labels[by] ?? "" : "";
    sums[group] = (sums[group] || 0) + s.value;
  }
  return sums;
}
