import { describe, expect, it } from 'vitest';
import { namingProblem, parseMetrics, sampleValue, type MetricType } from './metrics.js';

describe('namingProblem', () => {
  it.each<[string, MetricType, string | undefined]>([
    // why: the usual counter, gauge and histogram.
    ['portwarden_results_ingested_total', 'counter', undefined],
    ['portwarden_agents_connected', 'gauge', undefined],
    ['portwarden_ack_latency_seconds', 'histogram', undefined],
    // why: Node's standard families keep the names every client library gives them.
    ['process_cpu_seconds_total', 'counter', undefined],
    // why: every Portwarden metric has the prefix.
    ['results_ingested_total', 'counter', 'not portwarden_ and snake case'],
    ['portwarden_ackLatency_seconds', 'histogram', 'not portwarden_ and snake case'],
    // why: a counter without _total, or a gauge with it, reads wrong in PromQL.
    ['portwarden_results_ingested', 'counter', 'a counter not ending in _total'],
    ['portwarden_agents_total', 'gauge', 'a gauge ending in _total'],
    // why: base units only.
    ['portwarden_probe_latency_ms', 'histogram', 'not in base units'],
    ['portwarden_probe_latency', 'histogram', 'a histogram without its unit'],
  ])('%s (%s)', (name, type, problem) => {
    expect(namingProblem({ name, type })).toBe(problem);
  });
});

describe('parseMetrics', () => {
  it('reads counters, labelled gauges and histograms', () => {
    const families = parseMetrics(
      [
        '# HELP a_total A.',
        '# TYPE a_total counter',
        'a_total 3',
        '# TYPE g gauge',
        'g{kind="x"} 1',
        'g{kind="y"} 2',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="1"} 1',
        'h_seconds_bucket{le="+Inf"} 2',
        'h_seconds_sum 0.5',
        'h_seconds_count 2',
        '',
      ].join('\n'),
    );
    expect(families.get('a_total')).toMatchObject({ type: 'counter', help: 'A.' });
    expect(sampleValue(families, 'a_total')).toBe(3);
    expect(sampleValue(families, 'g', { kind: 'y' })).toBe(2);
    expect(sampleValue(families, 'g', { kind: 'z' })).toBeUndefined();
    expect(sampleValue(families, 'h_seconds')).toBe(2);
    expect(families.get('h_seconds')!.samples[0]!.sum).toBe(0.5);
  });
});
