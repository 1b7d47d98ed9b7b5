// A uPlot chart with its data as a table beside it: the canvas is for sighted users, the table (and the
// caption) carry the same numbers for everyone else. Resizes with its container, down to a 375 px screen.
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  /** Drawn as a dotted outline (soft-attributed figures), in the chart and its legend. */
  dotted?: boolean;
}

interface ChartProps {
  id: string;
  title: string;
  /** x labels, one per point (days or hours). */
  labels: string[];
  series: Series[];
  kind?: 'line' | 'bars';
  /** How a value reads in the table. */
  format?: (value: number | null) => string;
  /** The first column's heading in the table (default Day, or Hour for bars). */
  xLabel?: string;
}

const plain = (v: number | null) => (v === null ? '—' : v.toLocaleString());

export function Chart({ id, title, labels, series, kind = 'line', format = plain, xLabel }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false } },
        axes: [
          {
            values: (_u, ticks) => ticks.map((t) => labels[t] ?? ''),
            space: 60,
          },
          { size: 50 },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.dotted ? { dash: [3, 3] } : {}),
            // Two bar series stand side by side around each tick; one is centred.
            ...(kind === 'bars'
              ? {
                  fill: s.dotted ? 'transparent' : s.color,
                  paths: uPlot.paths.bars?.(
                    series.length === 2 ? { size: [0.35, 30], align: i === 0 ? -1 : 1 } : { size: [0.7, 40] },
                  ),
                }
              : {}),
          })),
        ],
      },
      [labels.map((_, i) => i), ...series.map((s) => s.values)],
      el,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [labels, series, kind]);

  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>
        <strong>{title}</strong>
        <span class="chart-legend">
          {series.map((s) => (
            <span key={s.label}>
              <span
                class={s.dotted ? 'swatch dotted' : 'swatch'}
                style={s.dotted ? { borderColor: s.color } : { background: s.color }}
                aria-hidden="true"
              />{' '}
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <details>
        <summary>{title}: table</summary>
        <div class="table-scroll">
          <table>
            <caption class="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{xLabel ?? (kind === 'bars' ? 'Hour' : 'Day')}</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {series.map((s) => (
                    <td key={s.label}>{format(s.values[i] ?? null)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
