import type { ComponentChildren } from 'preact';

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
