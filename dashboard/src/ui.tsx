// Small shared pieces of UI: data loading, error display, labelled fields, dates.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useState } from 'preact/hooks';
import { ApiError, fieldError } from './api';

/** Loads data when `deps` change; `reload` fetches again (e.g. after a live event). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    return load().then(
      (data) => setState({ data, loading: false }),
      (error) => setState((s) => ({ ...s, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload, setData: (data: T) => setState({ data, loading: false }) };
}

/** A failed load or action: a 403 says the role does not allow it, never a blank screen. */
export function ErrorPanel({ error }: { error: unknown }) {
  if (!error) return null;
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <div class="error-panel" role="alert">
      <strong>{forbidden ? 'Not allowed. ' : 'Something went wrong. '}</strong>
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Field({
  label,
  error,
  name,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: unknown;
  hint?: ComponentChildren;
  children: (props: {
    id: string;
    name: string;
    'aria-invalid'?: boolean;
    'aria-describedby'?: string;
  }) => ComponentChildren;
}) {
  // Unique per field: two forms on one page may both have an `email`.
  const id = useId();
  const message = fieldError(error, name);
  const describedBy = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, name, 'aria-invalid': message ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-error`} class="field-error">
          {message}
        </small>
      )}
    </div>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return dateTime.format(new Date(value));
}

/** Characters used against a limit, announced politely as the limit nears. */
export function Counter({ id, value, max }: { id: string; value: string; max: number }) {
  const over = value.length > max;
  return (
    <small id={id} class={over ? 'counter over' : 'counter'} aria-live={value.length > max * 0.9 ? 'polite' : 'off'}>
      {value.length}/{max}
    </small>
  );
}
