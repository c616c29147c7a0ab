// A tool's `inputSchema` as OpenAI function `parameters`: always an object schema, local `$ref`s
// inlined and the keywords removed that runtimes turning schemas into grammars (llama.cpp's
// json-schema-to-grammar) reject or choke on. The server validates the arguments itself.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deeper `$ref` chains (or cycles) end in an unconstrained schema rather than a stack overflow. */
const MAX_REF_DEPTH = 8;

const DROPPED = new Set(['$schema', '$id', '$comment', '$defs', 'definitions']);

function resolveRef(ref: string, root: Json): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

/** Keywords whose values are data, copied as they are. */
const DATA = new Set(['enum', 'const', 'default', 'examples']);

/** Keywords whose value maps names (property names, not keywords) to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);

function inline(node: unknown, root: Json, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, root, depth));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolveRef(node.$ref, root) : undefined;
    const { $ref: _ref, ...rest } = node;
    // A ref we cannot (or will not) follow accepts anything; the server still validates.
    const resolved = isObject(target) ? inline(target, root, depth + 1) : {};
    return { ...(isObject(resolved) ? resolved : {}), ...(inline(rest, root, depth) as Json) };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (DATA.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, inline(schema, root, depth)]));
    } else out[key] = inline(value, root, depth);
  }
  return out;
}

export function toolParameters(inputSchema: Json): Json {
  const schema = inline(inputSchema, inputSchema, 0) as Json;
  return { ...schema, type: 'object', properties: isObject(schema.properties) ? schema.properties : {} };
}
