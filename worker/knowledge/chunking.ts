// Splits an article's text into retrieval chunks: one heading section at a time, about 800 characters
// each with about 150 characters of overlap, cut on sentence (else word) boundaries.

export interface Chunk {
  position: number;
  /** The heading path of the section ("Returns > Refund timing"), or null before the first heading. */
  heading: string | null;
  text: string;
}

export interface ChunkOptions {
  size?: number;
  overlap?: number;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

interface Section {
  heading: string | null;
  body: string;
}

function sections(text: string): Section[] {
  const result: Section[] = [];
  const path: string[] = [];
  let current: Section = { heading: null, body: '' };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const match = HEADING.exec(line);
    if (!match) {
      current.body += `${line}\n`;
      continue;
    }
    result.push(current);
    const level = match[1]!.length;
    path.length = Math.min(path.length, level - 1);
    path[level - 1] = match[2]!;
    current = { heading: path.filter(Boolean).join(' > '), body: '' };
  }
  result.push(current);
  return result.filter((s) => s.body.trim());
}

/** Sentences (or paragraph lines), each no longer than `size`; over-long ones are cut between words. */
function pieces(body: string, size: number): string[] {
  const sentences = body
    .split(/\n\s*\n|(?<=[.!?])\s+(?=\S)|\n(?=\s*(?:[-*+]|\d+\.)\s)/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const sentence of sentences) {
    if (sentence.length <= size) {
      out.push(sentence);
      continue;
    }
    let line = '';
    // Words longer than a chunk (a URL, a base64 blob) are cut hard.
    for (const word of sentence.split(' ')) {
      for (let i = 0; i < word.length; i += size) {
        const part = word.slice(i, i + size);
        if (line && line.length + 1 + part.length > size) {
          out.push(line);
          line = '';
        }
        line = line ? `${line} ${part}` : part;
      }
    }
    if (line) out.push(line);
  }
  return out;
}

export function chunkText(text: string, { size = 800, overlap = 150 }: ChunkOptions = {}): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of sections(text)) {
    const parts = pieces(section.body, size);
    let start = 0;
    while (start < parts.length) {
      let end = start;
      let length = 0;
      while (end < parts.length && (end === start || length + 1 + parts[end]!.length <= size)) {
        length += (end === start ? 0 : 1) + parts[end]!.length;
        end++;
      }
      chunks.push({ position: chunks.length, heading: section.heading, text: parts.slice(start, end).join(' ') });
      if (end >= parts.length) break;
      // Step back over trailing pieces that fit in the overlap, but always move forward.
      let next = end;
      let carried = 0;
      while (next - 1 > start && carried + parts[next - 1]!.length <= overlap) {
        carried += parts[next - 1]!.length + 1;
        next--;
      }
      start = next;
    }
  }
  return chunks;
}

/** What gets embedded for a chunk: the article title and heading path give a short passage its context. */
export function embeddingText(title: string, chunk: Pick<Chunk, 'heading' | 'text'>): string {
  return [title, chunk.heading, chunk.text].filter(Boolean).join('\n');
}
