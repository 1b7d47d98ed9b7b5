import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmButton } from './confirm';

afterEach(cleanup);

function renderDelete(onConfirm = vi.fn()) {
  render(
    <div>
      <ConfirmButton
        message='Delete the channel "Support" and all its conversations?'
        confirmLabel="Delete Support"
        onConfirm={onConfirm}
      >
        Delete channel
      </ConfirmButton>
    </div>,
  );
  return onConfirm;
}

describe('the in-page confirmation of a destructive action', () => {
  it('asks in the page, saying what will happen, and moves focus to Cancel', () => {
    const confirmSpy = vi.fn(() => true);
    vi.stubGlobal('confirm', confirmSpy);
    const onConfirm = renderDelete();
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));

    const dialog = screen.getByRole('alertdialog', { name: 'Confirm: Delete Support' });
    expect(dialog.getAttribute('aria-describedby')).toBe(dialog.querySelector('.confirm-message')!.id);
    expect(dialog.querySelector('.confirm-message')!.textContent).toBe(
      'Delete the channel "Support" and all its conversations?',
    );
    expect(screen.queryByRole('button', { name: 'Delete channel' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(confirmSpy).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
  });

  it('Escape cancels without acting, does not reach what is around it, and focus returns to the button', () => {
    const outer = vi.fn();
    const onConfirm = vi.fn();
    render(
      // biome-ignore lint/a11y/noStaticElementInteractions: stands for a panel that closes on Escape
      <div onKeyDown={outer}>
        <ConfirmButton message="Remove it?" confirmLabel="Remove it" onConfirm={onConfirm}>
          Remove
        </ConfirmButton>
      </div>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    fireEvent.keyDown(screen.getByRole('button', { name: 'Cancel' }), { key: 'Escape' });

    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(outer).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove' }));
  });

  it('Cancel closes it without acting and returns focus to the button', () => {
    const onConfirm = renderDelete();
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete channel' }));
  });

  it('the destructive button acts exactly once and closes the question', () => {
    const onConfirm = renderDelete();
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));
    const destroy = screen.getByRole('button', { name: 'Delete Support' });
    expect(destroy.className).toBe('danger');
    fireEvent.click(destroy);
    fireEvent.click(destroy);
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete channel' }));
  });

  it('other keys inside the question do nothing', () => {
    const onConfirm = renderDelete();
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));
    fireEvent.keyDown(screen.getByRole('button', { name: 'Cancel' }), { key: 'Enter' });
    expect(screen.getByRole('alertdialog')).toBeTruthy();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('has no accessibility violations axe can find without layout, open or closed', async () => {
    renderDelete();
    const rules = { 'color-contrast': { enabled: false } };
    const closed = await axe.run(document.body, { rules });
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));
    const open = await axe.run(document.body, { rules });
    expect([...closed.violations, ...open.violations].map((v) => v.id)).toEqual([]);
  });
});
