// PDF text extraction, a port: production converts PDFs with Workers AI's toMarkdown (the `AI` binding), so
// the Worker does not carry a PDF engine; locally (dev, tests: no AI binding) unpdf reads them. The build flag
// __BUNDLE_PDF_ENGINE__ (wrangler.toml [define]) is false in production, which drops unpdf from the bundle.
// See docs/decisions/007-pdf-extraction-port.md.

declare const __BUNDLE_PDF_ENGINE__: boolean;

import { ExtractionError, type PdfReader } from './extract';

/** Workers AI's document conversion; a conversion error is the article's error. */
export function workersAiPdfReader(ai: Pick<Ai, 'toMarkdown'>): PdfReader {
  return async (bytes) => {
    let result: Awaited<ReturnType<Ai['toMarkdown']>>;
    try {
      result = await ai.toMarkdown({
        name: 'document.pdf',
        blob: new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }),
      });
    } catch (error) {
      console.error('Workers AI could not convert a PDF:', error);
      throw new ExtractionError('The PDF could not be read (the conversion service failed; try again later)');
    }
    if (result.format === 'error') throw new ExtractionError(`The PDF could not be read: ${result.error}`);
    return result.data.trim();
  };
}

/** unpdf (pdf.js), for installations without the AI binding (local development and tests). */
export const unpdfReader: PdfReader = async (bytes) => {
  // A constant condition: in the production build esbuild drops this branch and, with it, unpdf.
  if (__BUNDLE_PDF_ENGINE__) {
    const { extractText, getDocumentProxy } = await import('unpdf');
    try {
      const pdf = await getDocumentProxy(new Uint8Array(bytes));
      const { text } = await extractText(pdf, { mergePages: false });
      return text.map((page) => page.trim()).join('\n\n');
    } catch {
      throw new ExtractionError('The PDF could not be read');
    }
  }
  throw new ExtractionError('The PDF could not be read: this installation has no Workers AI binding (AI)');
};

export function pdfReaderFor(env: { AI?: Pick<Ai, 'toMarkdown'> }): PdfReader {
  return env.AI ? workersAiPdfReader(env.AI) : unpdfReader;
}
