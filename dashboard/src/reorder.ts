// Putting a list in order by drag and drop, or by Move up / Move down for keyboard users. The page saves the new
// order (and announces it); this keeps which item is being dragged and works out the new order of the ids.
import { useState } from 'preact/hooks';

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

  return { dragged, move, dragProps };
}
