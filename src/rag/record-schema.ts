// The exchange record and the audit event as zod schemas: the source of their JSON Schemas
// (schemas/*.schema.json). The interfaces in types.ts stay the types the code uses; the check at the
// bottom fails to compile when the two disagree.
import { z } from 'zod';
import type { Assert, Equals } from '../core';
import type { AuditEvent, ExchangeRecord } from './types';

const isoTime = z.string().describe('ISO 8601 time');

const recordedMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string().describe('Text content; non-text parts summarised by the gateway (e.g. "[image]").'),
  name: z.string().optional(),
  toolCallId: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
});

const recordedToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.string().describe('The arguments exactly as the model produced them (a JSON string).'),
  source: z.enum(['client', 'mcp']).describe('`mcp` calls were run by Aegis; `client` calls were returned to the client.'),
  result: z.string().optional(),
  error: z.string().optional(),
});

export const exchangeRecordSchema = z
  .object({
    id: z.string().describe('Record id (`_id` in MongoDB); usually the request id.'),
    requestId: z.string(),
    time: isoTime.describe('When the request arrived (ISO 8601).'),
    endedAt: isoTime.describe('When the body ended or the client went away (ISO 8601).').optional(),
    principalId: z.string().describe("The principal's id, never the API key."),
    route: z.string(),
    api: z.enum(['chat', 'responses', 'messages']).optional(),
    model: z.string(),
    modelVersion: z.string().optional(),
    upstream: z.string().optional(),
    upstreamModel: z.string().optional(),
    stream: z.boolean(),
    messages: z.array(recordedMessageSchema).describe('Messages as sent upstream, after context fitting.'),
    truncation: z
      .object({
        strategy: z.string(),
        droppedMessages: z.number().int().nonnegative(),
        droppedTokens: z.number().int().nonnegative().optional(),
        shortenedMessages: z.number().int().nonnegative().optional(),
        promptTokens: z.number().int().nonnegative().optional(),
        contextLength: z.number().int().nullable().optional(),
        dropped: z.array(recordedMessageSchema).optional(),
      })
      .optional(),
    answer: z.string(),
    finishReason: z.string().nullable().optional(),
    toolCalls: z.array(recordedToolCallSchema),
    usage: z
      .object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative(), totalTokens: z.number().int().nonnegative() })
      .optional(),
    latencyMs: z.number().nonnegative(),
    ttftMs: z.number().nonnegative().optional(),
    status: z.number().int().describe('HTTP status the client saw: 200, 499 on client cancel, the error status otherwise.'),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    complete: z.boolean(),
    decisionId: z.string().optional(),
    decision: z.object({ reasons: z.array(z.string()) }).optional(),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe('What the exchange belongs to, e.g. { mcp_tool: "consult", consultation: "OPS-014-ANALYST" }.'),
  })
  .describe('One finished exchange as Aegis records it (the RAG store and `aegis records`).');

export const auditEventSchema = z
  .object({
    id: z.string(),
    time: isoTime,
    type: z.string().describe('e.g. policy.decision, model.load, model.unload, model.promote, key.create, auth.failure, mcp.tool'),
    actor: z.string().describe('Principal id or `cli:<user>`; never a key.'),
    target: z.string().optional(),
    outcome: z.enum(['allow', 'deny', 'ok', 'error']),
    requestId: z.string().optional(),
    decisionId: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('One entry of the audit log.');

export type ExchangeRecordSchemaMatches = Assert<Equals<z.infer<typeof exchangeRecordSchema>, ExchangeRecord>>;
export type AuditEventSchemaMatches = Assert<Equals<z.infer<typeof auditEventSchema>, AuditEvent>>;
