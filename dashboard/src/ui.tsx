// Small shared pieces of UI: data loading, error display, labelled fields, dates.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, fieldError } from './api';
import { errorLead, fieldName, plainFieldError } from './copy';

/**
 * Loads data when `deps` change; `reload` fetches again (e.g. after a live event). Only the newest load's answer
 * is shown: one started earlier (for other deps, or an earlier reload) that answers later is dropped, and so is
 * any load still running when the page sets the data itself.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const newest = useRef(0);
  const reload = useCallback(() => {
    const call = ++newest.current;
    setState((s) => ({ ...s, loading: true }));
    return load().then(
      (data) => {
        if (call === newest.current) setState({ data, loading: false });
      },
      (error) => {
        if (call === newest.current) setState((s) => ({ ...s, error, loading: false }));
      },
    );
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  const setData = (data: T) => {
    newest.current++;
    setState({ data, loading: false });
  };
  return { ...state, reload, setData };
}

/**
 * A failed load or action, in plain language: a 403 says the role does not allow it, a mistake in the input
 * says what to fix (field errors no field shows are listed here), never a blank screen.
 */
export function ErrorPanel({ error, shownFields }: { error: unknown; shownFields?: string[] }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const all = Object.entries(api?.fields ?? {}).filter(([, messages]) => messages[0]);
  // Without `shownFields` the form shows its fields' errors at the fields (Field); the panel points there.
  const fields = shownFields ? all.filter(([name]) => !shownFields.includes(name)) : [];
  if (shownFields && all.length && !fields.length) return null;
  let body: ComponentChildren = error instanceof Error ? error.message : String(error);
  if (fields.length === 1 && fields[0]![0] === '_') body = plainFieldError(fields[0]![1][0]!);
  else if (fields.length) {
    body = (
      <ul>
        {fields.map(([name, messages]) => (
          <li key={name}>
            {name === '_' ? '' : `${fieldName(name)}: `}
            {plainFieldError(messages[0]!)}
          </li>
        ))}
      </ul>
    );
  } else if (all.length) {
    body = all.some(([name]) => name === '_')
      ? plainFieldError(all.find(([n]) => n === '_')![1][0]!)
      : 'See the highlighted fields.';
  }
  return (
    <div class="error-panel" role="alert">
      <strong>{errorLead(api?.status, api?.code)}</strong>
      {body}
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
  const raw = fieldError(error, name);
  const message = raw ? plainFieldError(raw) : undefined;
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

/** Grey placeholder rows while a list loads. */
export function Skeleton({ rows = 6, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div class="skeleton" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} class="skeleton-row">
          <span class="skeleton-line short" />
          <span class="skeleton-line" />
        </div>
      ))}
    </div>
  );
}

/** Whether the browser has a network connection; `onBack` runs when it comes back (to resync). */
export function useOnline(onBack?: () => void): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine !== false));
  useEffect(() => {
    const up = () => {
      setOnline(true);
      onBack?.();
    };
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, [onBack]);
  return online;
}
