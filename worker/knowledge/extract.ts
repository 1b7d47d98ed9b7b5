// Turning uploaded files and fetched pages into article text: PDF (through the PDF reader port, pdf.ts), HTML
// (html-to-text, headings kept as "#" lines so chunking keeps them), Markdown and plain text.
import { type FormatCallback, htmlToText } from 'html-to-text';

/** Reads a PDF's text (pdf.ts: Workers AI in production, unpdf locally). */
export type PdfReader = (bytes: Uint8Array) => Promise<string>;

export type DocumentKind = 'pdf' | 'html' | 'markdown' | 'text';

const BY_EXTENSION: Record<string, DocumentKind> = {
  pdf: 'pdf',
  html: 'html',
  htm: 'html',
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
};

export const SUPPORTED_EXTENSIONS = Object.keys(BY_EXTENSION).map((e) => `.${e}`);

/** A failure to show on the article as its error. */
export class ExtractionError extends Error {}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
}

/** The kind of an uploaded file by its extension, else its MIME type; null when unsupported. */
export function fileKind(fileName: string, mimeType = ''): DocumentKind | null {
  const byExtension = BY_EXTENSION[extensionOf(fileName)];
  if (byExtension) return byExtension;
  if (extensionOf(fileName)) return null;
  return contentKind(mimeType);
}

/** The kind of a fetched body by its Content-Type; null when unsupported. */
export function contentKind(contentType: string): DocumentKind | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/pdf') return 'pdf';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'text/markdown' || type === 'text/x-markdown') return 'markdown';
  if (type === 'text/plain' || type === '') return 'text';
  return null;
}

function markdownHeading(level: number): FormatCallback {
  return (elem, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addLiteral(`${'#'.repeat(level)} `);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 1 });
  };
}

const SKIP = ['nav', 'script', 'style', 'noscript', 'template', 'footer', 'header', 'aside', 'form', 'svg', 'iframe'];

export function htmlToArticleText(html: string): string {
  const levels = [1, 2, 3, 4, 5, 6];
  return htmlToText(html, {
    wordwrap: false,
    formatters: Object.fromEntries(levels.map((l) => [`heading${l}`, markdownHeading(l)])),
    selectors: [
      ...SKIP.map((selector) => ({ selector, format: 'skip' })),
      ...levels.map((l) => ({ selector: `h${l}`, format: `heading${l}` })),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'title', format: 'skip' },
    ],
  })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The page's <title>, entity-decoded by html-to-text itself. */
export function htmlTitle(html: string): string | null {
  const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const title = match ? htmlToText(match[1]!, { wordwrap: false }).replace(/\s+/g, ' ').trim() : '';
  return title || null;
}

export interface ExtractedDocument {
  title: string | null;
  text: string;
}

export async function extractDocument(
  kind: DocumentKind,
  bytes: Uint8Array,
  readPdf: PdfReader,
): Promise<ExtractedDocument> {
  if (kind === 'pdf') return { title: null, text: await readPdf(bytes) };
  const decoded = new TextDecoder('utf-8').decode(bytes);
  if (decoded.includes('\u0000')) throw new ExtractionError('The file is not readable text');
  if (kind === 'html') return { title: htmlTitle(decoded), text: htmlToArticleText(decoded) };
  const firstHeading = kind === 'markdown' ? /^#\s+(.+)$/m.exec(decoded)?.[1]?.trim() : undefined;
  return { title: firstHeading ?? null, text: decoded.replace(/\r\n?/g, '\n').trim() };
}
