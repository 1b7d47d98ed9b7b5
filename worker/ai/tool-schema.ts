// JSON Schema checks for agent tools, with @cfworker/json-schema (it runs on Workers; ajv does not):
// a tool's parametersSchema must itself be a sound object schema, and a model's arguments must match it.
import { type Schema, Validator } from '@cfworker/json-schema';
import type { ToolParametersSchema } from '../db/schema';

const TYPE_NAMES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

// The subset of the JSON Schema meta-schema that a tool's parameters may use, strict about shapes
// that models and the validator both depend on.
const PARAMETERS_META_SCHEMA: Schema = {
  $defs: {
    schema: {
      type: ['object', 'boolean'],
      properties: {
        type: {
          anyOf: [{ enum: TYPE_NAMES }, { type: 'array', items: { enum: TYPE_NAMES }, minItems: 1 }],
        },
        description: { type: 'string' },
        properties: { type: 'object', additionalProperties: { $ref: '#/$defs/schema' } },
        items: { $ref: '#/$defs/schema' },
        additionalProperties: { $ref: '#/$defs/schema' },
        required: { type: 'array', items: { type: 'string' } },
        enum: { type: 'array', minItems: 1 },
        anyOf: { type: 'array', items: { $ref: '#/$defs/schema' }, minItems: 1 },
        oneOf: { type: 'array', items: { $ref: '#/$defs/schema' }, minItems: 1 },
        allOf: { type: 'array', items: { $ref: '#/$defs/schema' }, minItems: 1 },
        minimum: { type: 'number' },
        maximum: { type: 'number' },
        minLength: { type: 'integer', minimum: 0 },
        maxLength: { type: 'integer', minimum: 0 },
        minItems: { type: 'integer', minimum: 0 },
        maxItems: { type: 'integer', minimum: 0 },
        pattern: { type: 'string' },
        format: { type: 'string' },
      },
    },
  },
  allOf: [{ $ref: '#/$defs/schema' }],
  type: 'object',
  required: ['type'],
  properties: { type: { const: 'object' } },
};

const metaValidator = new Validator(PARAMETERS_META_SCHEMA, '2020-12', false);

/** Problems with a proposed parametersSchema (empty when it is usable). */
export function parametersSchemaProblems(value: unknown): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return ['Parameters schema must be a JSON object'];
  const result = metaValidator.validate(value);
  if (!result.valid) {
    const problems = result.errors
      .filter((e) => e.keyword !== 'allOf' && e.keyword !== '$ref')
      .map((e) => `${e.instanceLocation === '#' ? 'schema' : e.instanceLocation}: ${e.error}`);
    return problems.length ? [...new Set(problems)] : ['Parameters schema is not a valid JSON Schema'];
  }
  const schema = value as ToolParametersSchema;
  const names = Object.keys(schema.properties ?? {});
  const unknown = (schema.required ?? []).filter((name) => !names.includes(name));
  if (unknown.length) return [`required lists properties that are not defined: ${unknown.join(', ')}`];
  for (const pattern of collectPatterns(value)) {
    try {
      new RegExp(pattern, 'u');
    } catch {
      return [`pattern "${pattern}" is not a valid regular expression`];
    }
  }
  return [];
}

function collectPatterns(node: unknown, found: string[] = []): string[] {
  if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === 'pattern' && typeof child === 'string') found.push(child);
      else collectPatterns(child, found);
    }
  }
  return found;
}

/** Why a model's arguments do not match the tool's schema, or null when they do. */
export function argumentProblems(schema: ToolParametersSchema, args: unknown): string | null {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return 'arguments must be a JSON object';
  const result = new Validator(schema as Schema, '2020-12', false).validate(args);
  if (result.valid) return null;
  const messages = result.errors
    .filter((e) => !['properties', 'allOf', 'anyOf', '$ref'].includes(e.keyword) || result.errors.length === 1)
    .map((e) => `${e.instanceLocation.replace(/^#\/?/, '') || 'arguments'}: ${e.error}`);
  return [...new Set(messages)].join('; ');
}
