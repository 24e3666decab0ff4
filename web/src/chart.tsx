import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ResultRow } from './api.js';

/** Colour-blind-safe (Okabe–Ito), one per agent. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/**
 * Probe latency per agent over time (uPlot): one series per agent on a shared time axis; a failed
 * probe is a gap in its line, so an outage shows as a break.
 */
export function LatencyChart({ results, width }: { results: ResultRow[]; width: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const agents = [...new Set(results.map((r) => r.agent))].sort();
    const times = [...new Set(results.map((r) => Math.floor(Date.parse(r.startedAt) / 1000)))].sort(
      (a, b) => a - b,
    );
    const column = new Map(times.map((t, i) => [t, i]));
    const series = agents.map(() => times.map((): number | null => null));
    for (const r of results) {
      if (r.outcome !== 'up') continue;
      series[agents.indexOf(r.agent)]![column.get(Math.floor(Date.parse(r.startedAt) / 1000))!] =
        r.durationMs;
    }
    const plot = new uPlot(
      {
        width,
        height: 240,
        series: [
          {},
          ...agents.map((agent, i) => ({
            label: agent,
            stroke: COLOURS[i % COLOURS.length]!,
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v} ms`),
          })),
        ],
        axes: [{}, { label: 'ms', values: (_u, ticks) => ticks.map((t) => `${t}`) }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
      },
      [times, ...series],
      box.current,
    );
    return () => plot.destroy();
  }, [results, width]);
  return <div ref={box} class="chart" role="img" aria-label="Probe latency per agent, last 24 hours" />;
}
