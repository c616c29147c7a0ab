// How the model learns that some MCP tools are missing: one sentence added to the system message
// (or a system message of its own), so it neither pretends to have used them nor waits for them.
// The reason stays in Aegis' log: server errors may hold paths and stderr a user should not see.

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function unavailableNote(servers: readonly string[]): string {
  const which = servers.map((s) => `"${s}"`).join(', ');
  return `Note from the Aegis gateway: the tools of the MCP server${servers.length > 1 ? 's' : ''} ${which} are unavailable right now; answer without them.`;
}

export function withSystemNote(messages: readonly unknown[], note: string): unknown[] {
  const at = messages.findIndex((m) => isRecord(m) && (m.role === 'system' || m.role === 'developer'));
  const first = at >= 0 ? messages[at] : undefined;
  if (!isRecord(first)) return [{ role: 'system', content: note }, ...messages];
  const content = first.content;
  const noted = typeof content === 'string' ? `${content}\n\n${note}` : Array.isArray(content) ? [...content, { type: 'text', text: note }] : note;
  const out = [...messages];
  out[at] = { ...first, content: noted };
  return out;
}
