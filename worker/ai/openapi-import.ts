// Proposes agent tools from an OpenAPI 3 (or Swagger 2) document: one tool per GET/POST/PUT/PATCH
// operation. Nothing is saved; the admin reviews the proposals and creates the ones they want.
import type { TOOL_METHODS } from '../db/schema';
import { ValidationError } from '../lib/errors';
import { unsafeUrlReason } from './tool-url';

type Method = (typeof TOOL_METHODS)[number];
type JsonObject = Record<string, unknown>;

export interface ProposedTool {
  name: string;
  description: string;
  type: 'SERVER_SIDE';
  method: Method;
  url: string;
  parametersSchema: { type: 'object'; properties: JsonObject; required?: string[] };
  /** Why this proposal cannot be saved as is (e.g. an unsafe or missing URL). */
  problems: string[];
}

const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH'];
const isObject = (v: unknown): v is JsonObject => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function toolName(operationId: unknown, method: string, path: string): string {
  const base =
    typeof operationId === 'string' && operationId.trim() ? operationId : `${method}_${path.replace(/[{}]/g, '')}`;
  const cleaned = base.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'tool';
  return (/^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`).slice(0, 64);
}

/** Inlines local "#/…" references (cycles become an open object). */
function resolveRefs(node: unknown, root: JsonObject, seen: Set<string> = new Set()): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, root, seen));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/') || seen.has(ref)) return { type: 'object' };
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (isObject(at) ? at[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
    return target === undefined ? { type: 'object' } : resolveRefs(target, root, new Set([...seen, ref]));
  }
  return Object.fromEntries(
    Object.entries(node)
      // OpenAPI-only keywords that JSON Schema validators reject or misread.
      .filter(
        ([key]) =>
          !['nullable', 'example', 'xml', 'externalDocs', 'discriminator', 'readOnly', 'writeOnly'].includes(key),
      )
      .map(([key, value]) => [key, resolveRefs(value, root, seen)]),
  );
}

function serverUrl(doc: JsonObject, baseUrl?: string): string {
  if (baseUrl) return baseUrl;
  const servers = doc.servers;
  if (Array.isArray(servers) && isObject(servers[0]) && typeof servers[0].url === 'string') {
    const server = servers[0];
    const variables = isObject(server.variables) ? server.variables : {};
    return (server.url as string).replace(/\{(\w+)\}/g, (_, name: string) => {
      const variable = variables[name];
      return isObject(variable) && typeof variable.default === 'string' ? variable.default : name;
    });
  }
  if (typeof doc.host === 'string') {
    const schemes = Array.isArray(doc.schemes) ? (doc.schemes as unknown[]) : [];
    const scheme = schemes.length && !schemes.includes('https') ? String(schemes[0]) : 'https';
    return `${scheme}://${doc.host}${typeof doc.basePath === 'string' ? doc.basePath : ''}`;
  }
  return '';
}

function parseDocument(spec: unknown): JsonObject {
  let doc = spec;
  if (typeof spec === 'string') {
    try {
      doc = JSON.parse(spec);
    } catch {
      throw ValidationError.field('spec', 'The spec must be an OpenAPI document in JSON');
    }
  }
  if (!isObject(doc) || !isObject(doc.paths)) {
    throw ValidationError.field('spec', 'The spec must be an OpenAPI document with "paths"');
  }
  return doc;
}

export function proposeToolsFromOpenApi(spec: unknown, baseUrl?: string): ProposedTool[] {
  const doc = parseDocument(spec);
  const server = serverUrl(doc, baseUrl).replace(/\/+$/, '');
  const proposals: ProposedTool[] = [];
  const names = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const operation = item[method.toLowerCase()];
      if (!isObject(operation)) continue;
      const properties: JsonObject = {};
      const required: string[] = [];
      const parameters = [...shared, ...(Array.isArray(operation.parameters) ? operation.parameters : [])];
      for (const raw of parameters) {
        const param = resolveRefs(raw, doc);
        if (!isObject(param) || typeof param.name !== 'string' || param.in === 'header' || param.in === 'cookie')
          continue;
        const schema: JsonObject = isObject(param.schema)
          ? { ...param.schema }
          : { type: typeof param.type === 'string' ? param.type : 'string' };
        if (param.in === 'body') {
          Object.assign(properties, isObject(schema.properties) ? schema.properties : { [param.name]: schema });
          if (Array.isArray(schema.required)) required.push(...(schema.required as string[]));
          continue;
        }
        if (typeof param.description === 'string') schema.description = param.description;
        properties[param.name] = schema;
        if (param.required === true || param.in === 'path') required.push(param.name);
      }
      const body = resolveRefs(operation.requestBody, doc);
      const content = isObject(body) && isObject(body.content) ? body.content : {};
      const jsonBody = Object.entries(content).find(([type]) => type.includes('json'))?.[1];
      if (isObject(jsonBody) && isObject(jsonBody.schema)) {
        const schema = jsonBody.schema;
        if (isObject(schema.properties)) {
          Object.assign(properties, schema.properties);
          if (Array.isArray(schema.required)) required.push(...(schema.required as string[]));
        } else {
          properties.body = schema;
          if (isObject(body) && body.required === true) required.push('body');
        }
      }
      let name = toolName(operation.operationId, method.toLowerCase(), path);
      for (let i = 2; names.has(name); i++) name = `${name.slice(0, 60)}_${i}`;
      names.add(name);
      const summary = [operation.summary, operation.description].filter((s) => typeof s === 'string' && s.trim());
      const url = `${server}${path}`;
      const problem = server ? unsafeUrlReason(url) : 'No server URL: give a baseUrl';
      proposals.push({
        name,
        description: (summary.join(' — ') || `${method} ${path}`).slice(0, 2000),
        type: 'SERVER_SIDE',
        method,
        url,
        parametersSchema: {
          type: 'object',
          properties,
          ...(required.length ? { required: [...new Set(required)] } : {}),
        },
        problems: problem ? [problem] : [],
      });
    }
  }
  return proposals;
}
