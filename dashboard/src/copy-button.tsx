// A button that puts a text on the clipboard and says so ("Copied") once it is there.
import { useState } from 'preact/hooks';

export function CopyButton({
  text,
  label,
  copiedLabel = 'Copied',
}: {
  text: string;
  label: string;
  copiedLabel?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setCopied(true));
      }}
    >
      {copied ? copiedLabel : label}
    </button>
  );
}
