// For tests: uPlot draws on a canvas happy-dom does not have, so the chart stands in as its title and data, one
// line a series, classed "dotted" or "solid" as the series is drawn. Used as `vi.mock('./chart', () => import(…))`.
import type { Series } from './chart';

export function Chart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  return (
    <figure data-testid="chart">
      <figcaption>{title}</figcaption>
      {series.map((s) => (
        <p key={s.label} class={s.dotted ? 'dotted' : 'solid'}>
          {s.label}: {labels.map((l, i) => `${l}=${s.values[i]}`).join(', ')}
        </p>
      ))}
    </figure>
  );
}
