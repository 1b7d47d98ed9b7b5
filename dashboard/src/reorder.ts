// Putting a list in order by drag and drop, or by Move up / Move down for keyboard users. The page saves the new
// order (and announces it); this keeps which item is being dragged and works out the new order of the ids.
import { useState } from 'preact/hooks';

/** The id of an item's Move up (step < 0) or Move down button. */
export const moveButtonId = (id: string, step: number) => `move-${step < 0 ? 'up' : 'down'}-${id}`;

export function useReorder(ids: string[], enabled: boolean, save: (ids: string[], moved: string) => Promise<void>) {
  const [dragged, setDragged] = useState<string | null>(null);

  /** Moves an item `step` places (-1 up, 1 down) and saves; nothing to save when it is already at that end. */
  const move = (id: string, step: number): Promise<void> | undefined => {
    const next = [...ids];
    const from = next.indexOf(id);
    if (from + step < 0 || from + step >= next.length) return;
    next.splice(from + step, 0, ...next.splice(from, 1));
    return save(next, id);
  };

  /**
   * Move up / Move down for a keyboard user: moves, then puts the focus back on the moved item's button in its new
   * row (its other button when the item reached an end and this one is disabled). The buttons carry
   * `moveButtonId(id, step)` as their id.
   */
  const moveAndFocus = (id: string, step: number) =>
    void move(id, step)?.then(() => {
      const same = document.getElementById(moveButtonId(id, step)) as HTMLButtonElement | null;
      const other = document.getElementById(moveButtonId(id, -step)) as HTMLButtonElement | null;
      (same && !same.disabled ? same : other)?.focus();
    });

  const drop = (targetId: string) => {
    if (!dragged || dragged === targetId) return;
    const next = ids.filter((id) => id !== dragged);
    next.splice(next.indexOf(targetId), 0, dragged);
    setDragged(null);
    void save(next, dragged);
  };

  /** The drag-and-drop handlers of one item's element: dropping an item on another puts it in that one's place. */
  const dragProps = (id: string) => ({
    draggable: enabled,
    onDragStart: (e: DragEvent) => {
      setDragged(id);
      e.dataTransfer?.setData('text/plain', id);
    },
    onDragOver: (e: DragEvent) => enabled && e.preventDefault(),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      drop(id);
    },
    onDragEnd: () => setDragged(null),
  });

  return { dragged, moveAndFocus, dragProps };
}
