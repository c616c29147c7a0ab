// rag_search, one implementation for both directions: the `/mcp` tool agents call, and the
// built-in MCP server `aegis` whose rag_search a local model may call in the tool loop.
import type { RagSearchArguments, ToolReply } from '../../mcp';
import type { MemorySearch } from '../deps';

export async function ragSearchReply(memory: MemorySearch | undefined, a: RagSearchArguments): Promise<ToolReply> {
  if (!memory) return { text: 'No organisation memory (RAG store) is configured on this gateway.', isError: true };
  const filter = a.filter ? Object.entries(a.filter) : [];
  // A filter is applied to a wider candidate set so that k results can still come back.
  const found = await memory.search(a.query, filter.length > 0 ? Math.min(100, a.k * 5) : a.k);
  const results = found.results.filter((r) => filter.every(([key, value]) => r.metadata?.[key] === value)).slice(0, a.k);
  const text = results.map((r, i) => `[${i + 1}] ${r.id} (score ${r.score.toFixed(3)})\n${r.text}`).join('\n\n') || 'No documents matched.';
  return { text, structured: { method: found.method, results } };
}
