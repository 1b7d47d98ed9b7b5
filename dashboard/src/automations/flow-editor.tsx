// The flow editor: a flow's name and its blocks in order (add, move up / down, remove), each block with its own
// fields. Blocks run top to bottom unless one says where to go next; quick-reply options and branch cases pick
// their target block by id. The server's field errors ("blocks.2.options") appear beside the block and field
// they are about.
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call, fieldError } from '../api';
import { plainFieldError } from '../copy';
import { navigate } from '../router';
import { Counter, ErrorPanel, Field, useLoad } from '../ui';
import './automations.css';
import './flows.css';

export type Flow = ApiData<(typeof api.automations.flows)[':id']['$get']>;
type Block = Flow['blocks'][number];
export type BlockType = Block['type'];
type Product = ApiData<typeof api.automations.products.$get>[number];
type BlockOf<T extends BlockType> = Extract<Block, { type: T }>;

export const BLOCK_LABELS: Record<BlockType, string> = {
  MESSAGE: 'Message',
  QUESTION: 'Question',
  QUICK_REPLIES: 'Quick replies',
  BRANCH: 'Branch',
  SHOP_LINK: 'Shop link',
  HANDOFF: 'Handoff',
  WAIT: 'Wait',
  TAG: 'Tag',
};

const BLOCK_HINTS: Record<BlockType, string> = {
  MESSAGE: 'Sends a DM. Emoji and line breaks welcome; at most one shop link, shown as a product card.',
  QUESTION: 'Asks something and waits; the answer is kept in a field.',
  QUICK_REPLIES: 'Up to 4 buttons; the choice is kept in a field. Free text twice in a row hands off.',
  BRANCH: 'Goes one way or another by a field’s value (quick-reply choices included).',
  SHOP_LINK: 'Sends a product from the synced TikTok Shop catalog as a card.',
  HANDOFF: 'Stops the bot; the conversation waits in Unassigned humans.',
  WAIT: 'Pauses before the next block.',
  TAG: 'Adds a tag to the contact.',
};

const ID_PREFIX: Record<BlockType, string> = {
  MESSAGE: 'message',
  QUESTION: 'question',
  QUICK_REPLIES: 'replies',
  BRANCH: 'branch',
  SHOP_LINK: 'shop',
  HANDOFF: 'handoff',
  WAIT: 'wait',
  TAG: 'tag',
};

export const MAX_BLOCKS = 50;
export const MAX_QUICK_REPLIES = 4;
const MAX_CASES = 10;
const WAIT_MAX = { SECONDS: 3600, MINUTES: 1440 } as const;

/** The first free id for a new block of a type: "question-1", then "question-2". */
function freeId(type: BlockType, blocks: Block[]): string {
  const taken = new Set(blocks.map((b) => b.id));
  let n = 1;
  while (taken.has(`${ID_PREFIX[type]}-${n}`)) n++;
  return `${ID_PREFIX[type]}-${n}`;
}

export function newBlock(type: BlockType, id: string): Block {
  switch (type) {
    case 'MESSAGE':
      return { id, type, text: '' };
    case 'QUESTION':
      return { id, type, text: '', field: '' };
    case 'QUICK_REPLIES':
      return { id, type, text: '', field: '', options: [{ label: '' }, { label: '' }], freeTextFallback: false };
    case 'BRANCH':
      return { id, type, field: '', cases: [{ equals: '', next: '' }], else: '' };
    case 'SHOP_LINK':
      return { id, type, productId: '', text: '' };
    case 'HANDOFF':
      return { id, type, reason: '' };
    case 'WAIT':
      return { id, type, amount: 30, unit: 'SECONDS' };
    case 'TAG':
      return { id, type, tag: '' };
  }
}

/** What is sent: optional values left empty are left out ("the following block", no extra text). */
export function cleanBlock(block: Block): Block {
  const out: Record<string, unknown> = { ...block };
  for (const key of ['next', 'text', 'reason'] as const) {
    if (out[key] === '' && !(key === 'text' && block.type !== 'SHOP_LINK')) delete out[key];
  }
  if (block.type === 'QUICK_REPLIES') {
    out.options = block.options.map((o) => (o.next ? o : { label: o.label }));
  }
  return out as Block;
}

/** Every error key the editor shows at a field; others are listed in the panel at the top. */
function shownFields(blocks: Block[]): string[] {
  const names = ['name', 'blocks'];
  for (const [i, b] of blocks.entries()) {
    const p = `blocks.${i}`;
    names.push(p, `${p}.id`, `${p}.type`, `${p}.next`);
    for (const key of Object.keys(newBlock(b.type, b.id))) names.push(`${p}.${key}`);
    const items = b.type === 'QUICK_REPLIES' ? b.options.length : b.type === 'BRANCH' ? b.cases.length : 0;
    const [list, value] = b.type === 'QUICK_REPLIES' ? ['options', 'label'] : ['cases', 'equals'];
    for (let j = 0; j < items; j++)
      names.push(`${p}.${list}.${j}`, `${p}.${list}.${j}.${value}`, `${p}.${list}.${j}.next`);
  }
  return names;
}

/** An error for a group of inputs (a block, its options), which no single Field shows. */
function GroupError({ error, name }: { error: unknown; name: string }) {
  const message = fieldError(error, name);
  if (!message) return null;
  return <p class="field-error">{plainFieldError(message)}</p>;
}

/** Picks the block to go to; `optional` adds "the following block" (no `next`). */
function TargetPicker({
  label,
  name,
  value,
  blocks,
  self,
  optional,
  error,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  blocks: Block[];
  self: string;
  optional: boolean;
  error: unknown;
  onChange: (id: string) => void;
}) {
  const known = blocks.some((b) => b.id === value);
  // Left empty where a target is required, the server's complaint is about the id's form; say what to do instead.
  const shown =
    !value && fieldError(error, name)
      ? new ApiError(400, 'Invalid flow', 'VALIDATION_ERROR', { [name]: ['Choose a block'] })
      : error;
  return (
    <Field label={label} name={name} error={shown}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{optional ? 'The following block' : 'Choose a block…'}</option>
          {blocks
            .filter((b) => b.id !== self)
            .map((b) => (
              <option key={b.id} value={b.id}>
                {blocks.indexOf(b) + 1}. {BLOCK_LABELS[b.type]} ({b.id})
              </option>
            ))}
          {value && !known && <option value={value}>Missing block “{value}”</option>}
        </select>
      )}
    </Field>
  );
}

function TextField({
  label,
  name,
  value,
  max,
  error,
  onChange,
  rows = 3,
}: {
  label: string;
  name: string;
  value: string;
  max: number;
  error: unknown;
  onChange: (text: string) => void;
  rows?: number;
}) {
  const counter = useId();
  return (
    <Field label={label} name={name} error={error} hint={<Counter id={counter} value={value} max={max} />}>
      {(p) => (
        <textarea {...p} rows={rows} value={value} maxLength={max} onInput={(e) => onChange(e.currentTarget.value)} />
      )}
    </Field>
  );
}

function LineField({
  label,
  name,
  value,
  max,
  error,
  onChange,
  placeholder,
  hint,
  list,
}: {
  label: string;
  name: string;
  value: string;
  max: number;
  error: unknown;
  onChange: (text: string) => void;
  placeholder?: string;
  hint?: ComponentChildren;
  /** The id of a <datalist> of suggestions. */
  list?: string;
}) {
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(p) => (
        <input
          {...p}
          value={value}
          maxLength={max}
          placeholder={placeholder}
          list={list}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** One quick-reply button or branch case: its value, the block it goes to, its errors and a remove button. */
function ChoiceRow(p: {
  /** "Button" or "Case": labels read "Button 2", "Button 2 goes to", "Remove button 2". */
  noun: string;
  /** Follows the noun and number in the value's label ("Case 1: when it is"). */
  valueLabel: string;
  n: number;
  /** The item's error key ("blocks.1.options.0"). */
  name: string;
  valueKey: string;
  value: string;
  max: number;
  next: string;
  optional: boolean;
  blocks: Block[];
  self: string;
  error: unknown;
  onChange: (change: { value?: string; next?: string }) => void;
  /** Left out, there is no remove button. */
  onRemove?: () => void;
}) {
  const { noun, n, name, error } = p;
  return (
    <li class="flow-option">
      <LineField
        label={`${noun} ${n}${p.valueLabel}`}
        name={`${name}.${p.valueKey}`}
        value={p.value}
        max={p.max}
        error={error}
        onChange={(v) => p.onChange({ value: v })}
      />
      <TargetPicker
        label={`${noun} ${n} goes to`}
        name={`${name}.next`}
        value={p.next}
        blocks={p.blocks}
        self={p.self}
        optional={p.optional}
        error={error}
        onChange={(target) => p.onChange({ next: target })}
      />
      <GroupError error={error} name={name} />
      {p.onRemove && (
        <button type="button" class="link" aria-label={`Remove ${noun.toLowerCase()} ${n}`} onClick={p.onRemove}>
          Remove
        </button>
      )}
    </li>
  );
}

function BlockFields({
  block,
  path,
  blocks,
  products,
  error,
  onChange,
}: {
  block: Block;
  path: string;
  blocks: Block[];
  products: Product[] | undefined;
  error: unknown;
  onChange: (block: Block) => void;
}) {
  const set = <T extends BlockType>(b: BlockOf<T>, change: Partial<BlockOf<T>>) => onChange({ ...b, ...change });
  const fieldHint = 'Lower-case letters, digits and _; starts with a letter (e.g. shade).';
  type Texted = BlockOf<'MESSAGE' | 'QUESTION' | 'QUICK_REPLIES'>;
  type Fielded = BlockOf<'QUESTION' | 'QUICK_REPLIES' | 'BRANCH'>;
  /** The block's text, up to 1,000 characters. */
  const textField = (b: Texted, label: string) => (
    <TextField
      label={label}
      name={`${path}.text`}
      value={b.text}
      max={1000}
      error={error}
      onChange={(text) => onChange({ ...b, text })}
    />
  );
  /** The field a question's answer or a quick-reply choice is kept in, or a branch compares. */
  const fieldField = (b: Fielded, label: string, placeholder: string, hint: string, list?: string) => (
    <LineField
      label={label}
      name={`${path}.field`}
      value={b.field}
      max={40}
      error={error}
      placeholder={placeholder}
      hint={hint}
      list={list}
      onChange={(field) => onChange({ ...b, field })}
    />
  );
  const choice = { blocks, self: block.id, error };
  switch (block.type) {
    case 'MESSAGE':
      return textField(block, 'Message');
    case 'QUESTION':
      return (
        <>
          {textField(block, 'Question')}
          {fieldField(block, 'Keep the answer in field', 'shade', fieldHint)}
        </>
      );
    case 'QUICK_REPLIES': {
      const full = block.options.length >= MAX_QUICK_REPLIES;
      const setOption = (j: number, change: { label?: string; next?: string }) =>
        set(block, { options: block.options.map((o, k) => (k === j ? { ...o, ...change } : o)) });
      return (
        <>
          {textField(block, 'Message')}
          {fieldField(block, 'Keep the choice in field', 'size', fieldHint)}
          <fieldset class="flow-options" aria-invalid={fieldError(error, `${path}.options`) ? true : undefined}>
            <legend>
              Quick replies ({block.options.length} of at most {MAX_QUICK_REPLIES})
            </legend>
            <GroupError error={error} name={`${path}.options`} />
            <ol>
              {block.options.map((o, j) => (
                <ChoiceRow
                  key={j}
                  {...choice}
                  noun="Button"
                  valueLabel=""
                  n={j + 1}
                  name={`${path}.options.${j}`}
                  valueKey="label"
                  value={o.label}
                  max={20}
                  next={o.next ?? ''}
                  optional
                  onChange={({ value, next }) => setOption(j, value === undefined ? { next } : { label: value })}
                  onRemove={() => set(block, { options: block.options.filter((_, k) => k !== j) })}
                />
              ))}
            </ol>
            <button
              type="button"
              disabled={full}
              aria-describedby={full ? `${path}-full` : undefined}
              onClick={() => set(block, { options: [...block.options, { label: '' }] })}
            >
              Add quick reply
            </button>
            {full && (
              <small id={`${path}-full`} class="hint">
                At most {MAX_QUICK_REPLIES} quick replies.
              </small>
            )}
          </fieldset>
          <label class="check">
            <input
              type="checkbox"
              checked={block.freeTextFallback === true}
              onChange={(e) => set(block, { freeTextFallback: e.currentTarget.checked })}
            />{' '}
            Accept a typed answer instead (keep it in the field and go on)
          </label>
        </>
      );
    }
    case 'BRANCH': {
      const setCase = (j: number, change: { equals?: string; next?: string }) =>
        set(block, { cases: block.cases.map((c, k) => (k === j ? { ...c, ...change } : c)) });
      // The fields earlier questions and quick replies fill, offered as the field to compare.
      const captured = [
        ...new Set(blocks.flatMap((b) => (b.type === 'QUESTION' || b.type === 'QUICK_REPLIES' ? [b.field] : []))),
      ].filter(Boolean);
      return (
        <>
          <datalist id={`${path}-fields`}>
            {captured.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
          {fieldField(
            block,
            'Field to compare',
            'size',
            'A Question’s or Quick replies’ field. Capitals and full-width letters count as the same.',
            `${path}-fields`,
          )}
          <fieldset class="flow-options">
            <legend>Cases</legend>
            <GroupError error={error} name={`${path}.cases`} />
            <ol>
              {block.cases.map((c, j) => (
                <ChoiceRow
                  key={j}
                  {...choice}
                  noun="Case"
                  valueLabel=": when it is"
                  n={j + 1}
                  name={`${path}.cases.${j}`}
                  valueKey="equals"
                  value={c.equals}
                  max={100}
                  next={c.next}
                  optional={false}
                  onChange={({ value, next }) => setCase(j, value === undefined ? { next } : { equals: value })}
                  onRemove={
                    block.cases.length > 1
                      ? () => set(block, { cases: block.cases.filter((_, k) => k !== j) })
                      : undefined
                  }
                />
              ))}
            </ol>
            <button
              type="button"
              disabled={block.cases.length >= MAX_CASES}
              onClick={() => set(block, { cases: [...block.cases, { equals: '', next: '' }] })}
            >
              Add case
            </button>
          </fieldset>
          <TargetPicker
            {...choice}
            label="Otherwise go to"
            name={`${path}.else`}
            value={block.else}
            optional={false}
            onChange={(target) => set(block, { else: target })}
          />
        </>
      );
    }
    case 'SHOP_LINK':
      return (
        <>
          <Field label="Product" name={`${path}.productId`} error={error}>
            {(p) => (
              <select {...p} value={block.productId} onChange={(e) => set(block, { productId: e.currentTarget.value })}>
                <option value="">{products ? 'Choose a product…' : 'Loading products…'}</option>
                {(products ?? []).map((product) => (
                  <option key={product.productId} value={product.productId}>
                    {product.name}
                  </option>
                ))}
                {block.productId && products && !products.some((x) => x.productId === block.productId) && (
                  <option value={block.productId}>Not in the catalog: {block.productId}</option>
                )}
              </select>
            )}
          </Field>
          {products && products.length === 0 && (
            <p class="muted">No products synced yet: connect TikTok Shop in Settings → Integrations.</p>
          )}
          <TextField
            label="Line above the card (optional)"
            name={`${path}.text`}
            value={block.text ?? ''}
            max={300}
            rows={2}
            error={error}
            onChange={(text) => set(block, { text })}
          />
        </>
      );
    case 'HANDOFF':
      return (
        <LineField
          label="Reason shown to the team (optional)"
          name={`${path}.reason`}
          value={block.reason ?? ''}
          max={200}
          error={error}
          placeholder="Asked for a person"
          onChange={(reason) => set(block, { reason })}
        />
      );
    case 'WAIT':
      return (
        <div class="flow-wait">
          <Field
            label="Wait for"
            name={`${path}.amount`}
            error={error}
            hint={`1 to ${WAIT_MAX[block.unit]} ${block.unit === 'SECONDS' ? 'seconds' : 'minutes'}`}
          >
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={WAIT_MAX[block.unit]}
                step={1}
                value={Number.isFinite(block.amount) ? block.amount : ''}
                onInput={(e) => set(block, { amount: e.currentTarget.valueAsNumber })}
              />
            )}
          </Field>
          <Field label="Unit" name={`${path}.unit`} error={error}>
            {(p) => (
              <select
                {...p}
                value={block.unit}
                onChange={(e) => set(block, { unit: e.currentTarget.value as 'SECONDS' | 'MINUTES' })}
              >
                <option value="SECONDS">Seconds</option>
                <option value="MINUTES">Minutes</option>
              </select>
            )}
          </Field>
        </div>
      );
    case 'TAG':
      return (
        <LineField
          label="Tag to add to the contact"
          name={`${path}.tag`}
          value={block.tag}
          max={50}
          error={error}
          placeholder="vip"
          hint="Letters, digits, _ and -; no spaces."
          onChange={(tag) => set(block, { tag })}
        />
      );
  }
}

export function FlowEditor({ flow, onSaved }: { flow: Flow | null; onSaved?: (flow: Flow) => void }) {
  const products = useLoad(() => call(api.automations.products.$get()), []);
  const [name, setName] = useState(flow?.name ?? '');
  const [blocks, setBlocks] = useState<Block[]>(flow?.blocks ?? [newBlock('MESSAGE', 'message-1')]);
  const [adding, setAdding] = useState<BlockType>('MESSAGE');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [announcement, setAnnouncement] = useState('');

  const change = (i: number, block: Block) => setBlocks(blocks.map((b, k) => (k === i ? block : b)));
  // Errors are keyed by position: once blocks move, the old positions would point at the wrong blocks.
  const restructure = (next: Block[], message: string) => {
    setError(null);
    setBlocks(next);
    setAnnouncement(message);
  };
  const move = (i: number, step: number) => {
    const next = [...blocks];
    next.splice(i + step, 0, ...next.splice(i, 1));
    restructure(next, `${BLOCK_LABELS[blocks[i]!.type]} moved to position ${i + step + 1} of ${blocks.length}`);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    const json = { name, blocks: blocks.map(cleanBlock) };
    try {
      const saved = flow
        ? await call(api.automations.flows[':id'].$patch({ param: { id: flow.id }, json }))
        : await call(api.automations.flows.$post({ json }));
      if (onSaved) onSaved(saved);
      else navigate(`/automations/flows/${saved.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card flow-editor" onSubmit={submit} aria-label={flow ? 'Edit flow' : 'New flow'} noValidate>
      <ErrorPanel error={error ?? products.error} shownFields={shownFields(blocks)} />
      <Field label="Flow name" name="name" error={error}>
        {(p) => <input {...p} value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <ol class="flow-blocks" aria-label="Blocks in order">
        {blocks.map((block, i) => {
          const path = `blocks.${i}`;
          return (
            <li key={block.id} class="flow-block">
              <fieldset>
                <legend>
                  Block {i + 1}: {BLOCK_LABELS[block.type]} <small class="muted">id {block.id}</small>
                </legend>
                <p class="muted small">{BLOCK_HINTS[block.type]}</p>
                <GroupError error={error} name={path} />
                <GroupError error={error} name={`${path}.id`} />
                <BlockFields
                  block={block}
                  path={path}
                  blocks={blocks}
                  products={products.data}
                  error={error}
                  onChange={(b) => change(i, b)}
                />
                {block.type !== 'BRANCH' && block.type !== 'HANDOFF' && (
                  <TargetPicker
                    label="Then go to"
                    name={`${path}.next`}
                    value={block.next ?? ''}
                    blocks={blocks}
                    self={block.id}
                    optional
                    error={error}
                    onChange={(next) => change(i, { ...block, next })}
                  />
                )}
                <div class="actions">
                  <button
                    type="button"
                    disabled={i === 0}
                    aria-label={`Move block ${i + 1} up`}
                    onClick={() => move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    disabled={i === blocks.length - 1}
                    aria-label={`Move block ${i + 1} down`}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="link danger"
                    disabled={blocks.length === 1}
                    aria-label={`Remove block ${i + 1}`}
                    onClick={() =>
                      restructure(
                        blocks.filter((_, k) => k !== i),
                        `${BLOCK_LABELS[block.type]} block removed`,
                      )
                    }
                  >
                    Remove
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <GroupError error={error} name="blocks" />
      <div class="flow-add">
        <label>
          New block{' '}
          <select value={adding} onChange={(e) => setAdding(e.currentTarget.value as BlockType)}>
            {(Object.keys(BLOCK_LABELS) as BlockType[]).map((type) => (
              <option key={type} value={type}>
                {BLOCK_LABELS[type]}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={blocks.length >= MAX_BLOCKS}
          onClick={() =>
            restructure([...blocks, newBlock(adding, freeId(adding, blocks))], `${BLOCK_LABELS[adding]} block added`)
          }
        >
          Add block
        </button>
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save flow'}
        </button>
      </div>
    </form>
  );
}

export function NewFlowPage() {
  return (
    <section aria-labelledby="new-flow-title">
      <h1 id="new-flow-title">New flow</h1>
      <FlowEditor flow={null} />
    </section>
  );
}
