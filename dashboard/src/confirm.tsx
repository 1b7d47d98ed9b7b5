// The dashboard's one way to ask before a destructive action: the button turns, in place, into a short
// confirmation that says what will happen, with the action and Cancel (never the browser's confirm()).
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import './confirm.css';

export function ConfirmButton({
  children,
  message,
  confirmLabel,
  onConfirm,
  class: className = 'danger',
  'aria-label': ariaLabel,
  disabled,
}: {
  /** What the button shows before it is pressed. */
  children: ComponentChildren;
  /** What will happen, in the page's own words; a string is one paragraph. */
  message: ComponentChildren;
  /** The destructive button's text, naming what it acts on ("Delete Support"); also the confirmation's name. */
  confirmLabel: string;
  onConfirm: () => unknown;
  class?: string;
  'aria-label'?: string;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  // A second click before the page re-renders must not act twice.
  const acted = useRef(false);
  const id = useId();

  // Focus goes to Cancel, the harmless choice, and back to the button once the question is answered.
  useEffect(() => {
    if (open) cancel.current?.focus();
    else if (wasOpen.current) trigger.current?.focus();
    wasOpen.current = open;
  }, [open]);

  if (!open) {
    return (
      <button
        ref={trigger}
        type="button"
        class={className}
        aria-label={ariaLabel}
        disabled={disabled}
        onClick={() => {
          acted.current = false;
          setOpen(true);
        }}
      >
        {children}
      </button>
    );
  }

  const confirm = () => {
    if (acted.current) return;
    acted.current = true;
    setOpen(false);
    void onConfirm();
  };
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby={`${id}-label`}
      aria-describedby={`${id}-message`}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Escape answers this question only: it must not also close a panel or dialog around it.
        e.stopPropagation();
        setOpen(false);
      }}
    >
      <span id={`${id}-label`} class="sr-only">
        Confirm: {confirmLabel}
      </span>
      <div id={`${id}-message`} class="confirm-message">
        {typeof message === 'string' ? <p>{message}</p> : message}
      </div>
      <div class="confirm-actions">
        <button type="button" class="danger" onClick={confirm}>
          {confirmLabel}
        </button>
        <button ref={cancel} type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
