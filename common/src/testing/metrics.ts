/**
 * Test helpers for /metrics (controller and agent): the Prometheus text format parsed by a parser
 * that is not prom-client, and the naming conventions every Portwarden metric follows.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface MetricSample {
  labels: Record<string, string>;
  /** Counters and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

/** Every family of a scrape, by name. Throws on text the parser cannot read. */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  for (const family of parsePrometheusTextFormat(text)) {
    families.set(family.name, {
      name: family.name,
      help: family.help,
      type: family.type.toLowerCase() as MetricType,
      samples: family.metrics.map((m) => ({
        labels: m.labels ?? {},
        ...(m.value !== undefined && { value: Number(m.value) }),
        ...(m.count !== undefined && { count: Number(m.count) }),
        ...(m.sum !== undefined && { sum: Number(m.sum) }),
      })),
    });
  }
  return families;
}

/** The value of one series (labels matched exactly as given, others ignored); undefined when absent. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const sample = families
    .get(name)
    ?.samples.find((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  return sample?.value ?? sample?.count;
}

/** Node's standard families (prom-client's default metrics), named as every client library names them. */
const STANDARD = /^(process|nodejs)_/;
/** Base units only: seconds, bytes; `_ratio` for fractions. */
const UNIT_WORDS = /_(milliseconds|ms|minutes|hours|kilobytes|megabytes|percent)(_|$)/;

/**
 * What is wrong with a family's name by Prometheus conventions, or undefined: the `portwarden_`
 * prefix, snake case, counters end in `_total` and nothing else does, histograms name their unit.
 */
export function namingProblem({ name, type }: Pick<MetricFamily, 'name' | 'type'>): string | undefined {
  if (STANDARD.test(name)) return undefined;
  if (!/^portwarden_[a-z0-9_]+$/.test(name)) return 'not portwarden_ and snake case';
  if (UNIT_WORDS.test(name)) return 'not in base units';
  if (type === 'counter' && !name.endsWith('_total')) return 'a counter not ending in _total';
  if (type !== 'counter' && name.endsWith('_total')) return `a ${type} ending in _total`;
  if (type === 'histogram' && !/_(seconds|bytes)$/.test(name)) return 'a histogram without its unit';
  return undefined;
}
