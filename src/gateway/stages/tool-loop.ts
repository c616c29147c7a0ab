// Stage 10: tool calls that target MCP tools run server-side, their results are appended and the
// model is called again under the same lease (src/mcp); the client sees one answer. Pass-through
// until the MCP bridge lands.
import type { Exchange } from '../exchange/exchange';
import type { Answer } from './transform';
import type { ClientRequest } from '../exchange/front-door';

export function toolLoop<C>(_x: Exchange<ClientRequest, unknown, C>, answer: Answer<C>): Answer<C> | Promise<Answer<C>> {
  return answer;
}
