import { describe, expect, it } from 'vitest';
import { ExtractionError } from './extract';
import { pdfReaderFor, unpdfReader, workersAiPdfReader } from './pdf';

/** A fake of the AI binding's toMarkdown that records what it was given. */
function fakeAi(answer: (file: { name: string; blob: Blob }) => Promise<unknown>) {
  const seen: { name: string; type: string; bytes: number[] }[] = [];
  const ai = {
    async toMarkdown(file: { name: string; blob: Blob }) {
      seen.push({ name: file.name, type: file.blob.type, bytes: [...new Uint8Array(await file.blob.arrayBuffer())] });
      return answer(file);
    },
  } as unknown as Pick<Ai, 'toMarkdown'>;
  return { ai, seen };
}

describe('the PDF reader port', () => {
  it('in production hands the PDF bytes to Workers AI and keeps its markdown', async () => {
    const { ai, seen } = fakeAi(async (file) => ({
      id: '1',
      name: file.name,
      mimeType: 'application/pdf',
      format: 'markdown',
      tokens: 12,
      data: '\n# Returns\n\nYou can return any item within 30 days.\n',
    }));
    const text = await pdfReaderFor({ AI: ai })(new Uint8Array([37, 80, 68, 70]));
    expect(text).toBe('# Returns\n\nYou can return any item within 30 days.');
    expect(seen).toEqual([{ name: 'document.pdf', type: 'application/pdf', bytes: [37, 80, 68, 70] }]);
  });

  it('says why a PDF could not be read when the conversion reports an error or the service fails', async () => {
    const refused = fakeAi(async () => ({
      id: '1',
      name: 'document.pdf',
      mimeType: 'application/pdf',
      format: 'error',
      error: 'Encrypted PDF',
    }));
    await expect(workersAiPdfReader(refused.ai)(new Uint8Array([1]))).rejects.toThrow(
      new ExtractionError('The PDF could not be read: Encrypted PDF'),
    );
    const down = fakeAi(async () => {
      throw new Error('503');
    });
    await expect(workersAiPdfReader(down.ai)(new Uint8Array([1]))).rejects.toBeInstanceOf(ExtractionError);
  });

  it('without the AI binding reads PDFs locally', async () => {
    expect(pdfReaderFor({})).toBe(unpdfReader);
    await expect(unpdfReader(new TextEncoder().encode('not a pdf'))).rejects.toThrow('The PDF could not be read');
  });
});
