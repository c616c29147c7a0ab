// Builders for one OpenAPI operation: JSON or SSE answers, a body from components, the errors.
import { errorResponses, type Envelope } from './errors';
import { keySecurity } from './headers';
import type { JsonSchema } from './json-schema';

export type Operation = JsonSchema;

export interface OperationOptions {
  summary: string;
  description?: string;
  tags: string[];
  /** components.schemas name of the JSON body, if the operation takes one. */
  body?: string;
  /** Success status → description, schema name and headers; a `stream` schema adds text/event-stream. */
  ok: { status?: number; description: string; schema?: string; stream?: string; headers?: Record<string, JsonSchema>; content?: Record<string, JsonSchema> };
  errors: readonly number[];
  envelope?: Envelope;
  parameters?: JsonSchema[];
  /** `keys` (the default), `none`, or a security list of its own. */
  security?: 'keys' | 'none' | JsonSchema[];
  /** More responses, by status (a second success, a non-envelope failure). */
  responses?: Record<string, JsonSchema>;
  extra?: JsonSchema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function operation(o: OperationOptions): Operation {
  const content: Record<string, JsonSchema> = o.ok.content ?? {};
  if (o.ok.schema) content['application/json'] = { schema: ref(o.ok.schema) };
  if (o.ok.stream)
    content['text/event-stream'] = {
      schema: { type: 'string', description: `Server-sent events; each \`data:\` is a ${o.ok.stream}.` },
      'x-aegis-event-schema': ref(o.ok.stream),
    };
  const op: Operation = {
    summary: o.summary,
    ...(o.description ? { description: o.description } : {}),
    tags: o.tags,
    parameters: [{ $ref: '#/components/parameters/RequestId' }, ...(o.parameters ?? [])],
    responses: {
      [String(o.ok.status ?? 200)]: {
        description: o.ok.description,
        ...(o.ok.headers ? { headers: o.ok.headers } : {}),
        ...(Object.keys(content).length ? { content } : {}),
      },
      ...errorResponses(o.errors, o.envelope),
      ...o.responses,
    },
    ...o.extra,
  };
  if (o.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(o.body) } } };
  const security = o.security ?? 'keys';
  if (security === 'keys') op.security = keySecurity;
  else if (security === 'none') op.security = [];
  else op.security = security;
  return op;
}
