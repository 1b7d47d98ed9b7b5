// Parts the analytics reports share: the range form and the scrolling table.
import type { ComponentChildren } from 'preact';
import { navigate } from '../router';
import { Field } from '../ui';

/**
 * A report's form: From and To dates, then `children` (more filters), then Show. Submitting puts the filled-in
 * values in the URL of `path`, so a report can be bookmarked and shared.
 */
export function ReportForm({
  path,
  label,
  query,
  children,
}: {
  path: string;
  /** The form's accessible name. */
  label: string;
  query: { from?: string; to?: string };
  children: ComponentChildren;
}) {
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const [k, v] of form) if (typeof v === 'string' && v) params.set(k, v);
    navigate(`${path}?${params}`);
  };
  return (
    <form class="analytics-filters card" onSubmit={submit} aria-label={label}>
      <Field label="From" name="from">
        {(p) => <input {...p} type="date" required value={query.from} max={query.to} />}
      </Field>
      <Field label="To" name="to">
        {(p) => <input {...p} type="date" required value={query.to} />}
      </Field>
      {children}
      <button type="submit" class="primary">
        Show
      </button>
    </form>
  );
}

/** A report table in a box that scrolls sideways and is reachable by keyboard; `columns` are its header cells. */
export function ScrollTable({
  caption,
  columns,
  className,
  children,
}: {
  caption?: string;
  columns: ComponentChildren[];
  className?: string;
  children: ComponentChildren;
}) {
  return (
    <div
      class="table-scroll"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable)
      tabIndex={0}
    >
      <table class={className}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th scope="col" key={i}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
