// useLoad shows the newest load's answer: a slower answer to an older request never replaces it.
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { useLoad } from './ui';

afterEach(cleanup);

/** A load whose answer the test gives, in any order. */
function deferred() {
  const pending = new Map<string, (value: string) => void>();
  const load = (key: string) => new Promise<string>((resolve) => pending.set(key, resolve));
  return { load, answer: (key: string) => pending.get(key)!(`data for ${key}`) };
}

function Shows({ filter, load }: { filter: string; load: (key: string) => Promise<string> }) {
  const state = useLoad(() => load(filter), [filter]);
  return <p>{state.loading ? 'loading' : state.data}</p>;
}

describe('useLoad', () => {
  it("keeps the newest request's answer when an older one answers after it", async () => {
    const { load, answer } = deferred();
    const { rerender } = render(<Shows filter="all" load={load} />);
    rerender(<Shows filter="open" load={load} />);
    await act(async () => answer('open'));
    expect(screen.getByText('data for open')).toBeTruthy();
    await act(async () => answer('all'));
    expect(screen.getByText('data for open')).toBeTruthy();
    expect(screen.queryByText('data for all')).toBeNull();
  });
});
