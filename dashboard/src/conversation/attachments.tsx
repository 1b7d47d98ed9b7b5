// Files on messages: uploading them from the composer (one chip per file) and showing them in the thread as
// download links, with thumbnails for images.
import { useRef, useState } from 'preact/hooks';
import { type ApiData, api, call, fieldError } from '../api';

const UNITS = ['KB', 'MB', 'GB'];

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export interface Upload {
  key: number;
  name: string;
  size: number;
  /** Set once the upload is stored; until then the file cannot be sent. */
  mediaId?: string;
}

/** Files chosen for one message: each is uploaded at once, and a failed one leaves only an error behind. */
export function useUploads(conversationId: string) {
  const [items, setItems] = useState<Upload[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const next = useRef(0);
  const controllers = useRef(new Map<number, AbortController>());

  const discard = (mediaId: string) => {
    // Only cleanup: the file is already off the message, a leftover upload costs nothing but storage.
    void call(api.media[':id'].$delete({ param: { id: mediaId } })).catch(() => {});
  };

  const add = (files: Iterable<File>) => {
    setErrors([]);
    for (const file of files) {
      const key = next.current++;
      const controller = new AbortController();
      controllers.current.set(key, controller);
      setItems((list) => [...list, { key, name: file.name, size: file.size }]);
      call(api.media.upload.$post({ form: { file, conversationId } }, { init: { signal: controller.signal } })).then(
        (media) => {
          controllers.current.delete(key);
          if (controller.signal.aborted) discard(media.id);
          else setItems((list) => list.map((item) => (item.key === key ? { ...item, mediaId: media.id } : item)));
        },
        (error: unknown) => {
          controllers.current.delete(key);
          if (controller.signal.aborted) return;
          setItems((list) => list.filter((item) => item.key !== key));
          const reason = fieldError(error, 'file') ?? (error instanceof Error ? error.message : String(error));
          setErrors((list) => [...list, `${file.name} was not attached: ${reason}`]);
        },
      );
    }
  };

  const remove = (item: Upload) => {
    controllers.current.get(item.key)?.abort();
    controllers.current.delete(item.key);
    if (item.mediaId) discard(item.mediaId);
    setItems((list) => list.filter((other) => other.key !== item.key));
  };

  return {
    items,
    errors,
    uploading: items.some((item) => !item.mediaId),
    mediaIds: items.flatMap((item) => (item.mediaId ? [item.mediaId] : [])),
    add,
    remove,
    /** After sending: the files now belong to the message, so nothing is deleted. */
    clear: () => {
      setItems([]);
      setErrors([]);
    },
  };
}

export type Uploads = ReturnType<typeof useUploads>;

/** The "Attach file" control and the chips of the files chosen so far. */
export function AttachmentPicker({ uploads, id }: { uploads: Uploads; id: string }) {
  return (
    <div class="attach">
      <label for={id}>Attach file</label>
      <input
        id={id}
        type="file"
        multiple
        onChange={(e) => {
          const input = e.currentTarget;
          if (input.files?.length) uploads.add(Array.from(input.files));
          // Lets the same file be chosen again after removing it.
          input.value = '';
        }}
      />
      {uploads.items.length > 0 && (
        <ul class="chips" aria-label="Files to send">
          {uploads.items.map((item) => (
            <li key={item.key} class="chip">
              <span class="chip-name">{item.name}</span>
              <span class="muted">
                {formatSize(item.size)}
                {item.mediaId ? '' : ' · Uploading…'}
              </span>
              <button
                type="button"
                class="link danger"
                aria-label={`Remove ${item.name}`}
                onClick={() => uploads.remove(item)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {uploads.errors.length > 0 && (
        <div class="error-panel" role="alert">
          {uploads.errors.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
    </div>
  );
}

export type ConversationFile = ApiData<(typeof api.conversations)[':id']['attachments']['$get']>[number];

/** A message's attachments; a file not described (yet) still gets a working link. */
export function MessageAttachments({ ids, files }: { ids: string[]; files: ConversationFile[] | undefined }) {
  if (!ids.length) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {ids.map((id, i) => {
        const info = files?.find((file) => file.id === id);
        const url = `/api/media/${encodeURIComponent(id)}/file`;
        return (
          <li key={id}>
            {info?.contentType.startsWith('image/') && (
              <a href={url} target="_blank" rel="noopener noreferrer" class="thumb-link">
                <img class="thumb" src={url} alt={info.fileName} loading="lazy" />
              </a>
            )}
            <a href={url} download={info?.fileName}>
              {info?.fileName ?? `Attachment ${i + 1}`}
            </a>
            {info && <span class="muted"> ({formatSize(info.size)})</span>}
          </li>
        );
      })}
    </ul>
  );
}
