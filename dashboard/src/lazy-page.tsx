// Pages split into their own chunks (dynamic import), loaded on first visit so login and inbox load fast.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Page = ComponentType<{ params: Record<string, string> }>;
export type Loader = () => Promise<Page>;

/** Renders a page whose code is split off and loaded on first use. */
export function Lazy({ load, params }: { load: Loader; params: Record<string, string> }) {
  const [page, setPage] = useState<{ C: Page } | 'failed' | null>(null);
  useEffect(() => {
    let live = true;
    // A failed chunk load usually means a new deployment replaced the old files.
    load().then(
      (C) => live && setPage({ C }),
      () => live && setPage('failed'),
    );
    return () => {
      live = false;
    };
  }, [load]);
  if (page === 'failed') return <p role="alert">This page could not be loaded. Reload to get the latest version.</p>;
  return page ? <page.C params={params} /> : <p class="muted">Loading…</p>;
}
