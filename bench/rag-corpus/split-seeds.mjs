// Splits the three seed documents (the help centre's troubleshooting pages and the API reference, as the
// shared seeds hold them) into one article per help-centre entry, as a help centre publishes them, and writes
// them to this folder (hs-faq--*, cs-help--*, hs-api--*). The entries of one page are near misses of
// each other and of the spec sheets on the same topic, which is what the customer-wording set needs.
// Run once when the seeds change: node bench/rag-corpus/split-seeds.mjs [path/to/seeds]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const seeds = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '../../../shared/seeds'));
const out = import.meta.dirname;
const seedFile = (prefix) =>
  path.join(
    seeds,
    readdirSync(seeds).find((f) => f.startsWith(prefix)),
  );

const slug = (title) =>
  title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** Paragraphs: blocks separated by blank lines. */
const paragraphs = (text) =>
  text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+$/, ''))
    .filter((p) => p.trim());

/** A one-line paragraph that is not a sentence, a list item or a lead-in to a list: an entry's title. */
const isTitle = (p) =>
  !p.includes('\n') && !/^\s/.test(p) && !/[.:]$/.test(p.trim()) && !/^(Symptom|Cause|Fix)\./.test(p);

/** Troubleshooting pages: "Section#" lines group entries; each entry is a title paragraph and its body. */
function troubleshootingEntries(text, product, page) {
  const entries = [];
  let section = null;
  let current = null;
  for (const p of paragraphs(text)) {
    const trimmed = p.trim();
    if (/#$/.test(trimmed) && !trimmed.includes('\n')) {
      section = trimmed.replace(/#$/, '');
      current = null;
    } else if (isTitle(p)) {
      current = { title: trimmed, section, body: [] };
      entries.push(current);
    } else if (current) {
      current.body.push(p);
    }
  }
  return entries
    .filter((e) => e.body.length && e.title !== 'On this page')
    .map((e) => ({
      title: e.title,
      text: `# ${e.title}\n\n${[product, page, e.section].filter(Boolean).join(' › ')}\n\n${e.body.join('\n\n')}\n`,
    }));
}

/** The API reference: one article per "Section#", and one per resource table of the endpoint catalog. */
function apiEntries(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const entries = [];
  let current = null;
  lines.forEach((line, i) => {
    const resource = /^\S.*$/.test(line) && !line.includes('|') && /^\| Method/.test(lines[i + 1] ?? '');
    if (/#$/.test(line) || resource) {
      const name = line.replace(/#$/, '').trim();
      current = { title: resource ? `API reference: ${name} endpoints` : `API reference: ${name}`, body: [] };
      entries.push(current);
    } else if (current) current.body.push(line);
  });
  return entries
    .filter((e) => e.body.join('').trim())
    .map((e) => ({
      title: e.title,
      text: `# ${e.title}\n\nHelpStack Docs › Integrations › API Reference\n\n${e.body.join('\n').trim()}\n`,
    }));
}

const written = [];
const write = (prefix, entries) => {
  for (const e of entries) {
    const file = `${prefix}--${slug(e.title)}.md`;
    writeFileSync(path.join(out, file), e.text);
    written.push(file);
  }
};
write(
  'hs-faq',
  troubleshootingEntries(readFileSync(seedFile('000_'), 'utf8'), 'HelpStack Docs', 'Troubleshooting & FAQ'),
);
write('hs-api', apiEntries(readFileSync(seedFile('001_'), 'utf8')));
write(
  'cs-help',
  troubleshootingEntries(readFileSync(seedFile('002_'), 'utf8'), 'ChatSparks Manual', 'Troubleshooting'),
);
console.log(`${written.length} articles:\n${written.join('\n')}`);
