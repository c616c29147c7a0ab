// The `consult` tool: a local model answers a consultation document. The answer becomes a
// `consultation-response` document, written to `integrations.consultations.dir` when configured
// (never overwriting), and its exchange is recorded labelled with the consultation's id.
import { ConsultationError, consultationPrompt, parseConsultation, renderConsultationResponse, writeResponseFile, type Consultation } from '../../integrations';
import type { EndpointCall, ToolReply } from '../../mcp';
import type { McpEndpointSettings } from '../deps';
import type { Principal } from '../keys';
import type { DoorTarget } from '../routes/serve-door';
import { runChat } from './run-chat';

export async function consult(target: DoorTarget, settings: McpEndpointSettings, principal: Principal, call: EndpointCall<'consult'>): Promise<ToolReply> {
  const a = call.arguments;
  let consultation: Consultation;
  try {
    consultation = parseConsultation(a.document);
  } catch (err) {
    if (err instanceof ConsultationError)
      return { text: `Error (invalid_consultation): ${err.message}`, structured: { error: { code: err.code, message: err.message } }, isError: true };
    throw err;
  }
  const labels = { mcp_tool: 'consult', consultation: consultation.id, ...(consultation.parent ? { consultation_parent: consultation.parent } : {}) };
  const run = await runChat(target, {
    principal,
    request: { model: a.model, messages: consultationPrompt(consultation), max_tokens: a.max_tokens, temperature: a.temperature },
    labels,
    progress: call.progress,
    signal: call.signal,
  });
  const date = new Date(target.deps.clock.now()).toISOString();
  const document = renderConsultationResponse({ consultation, consultant: run.model, answer: run.answer, date });
  const file = settings.consultationsDir ? await writeResponseFile(settings.consultationsDir, consultation.id, run.model.split('@')[0], document) : undefined;
  return {
    text: document,
    structured: {
      document,
      parent: consultation.id,
      consultant: run.model,
      date,
      request_id: run.requestId,
      ...(file ? { file } : {}),
      ...(run.usage ? { usage: run.usage } : {}),
    },
  };
}
