// Stage 6: how the request's tools are served (src/tools): passed through to a runtime that has
// them, rendered into the prompt for one that does not (decoded under a schema where the runtime
// can), or refused with a 400 for a model that takes none. MCP tools join here when the bridge
// lands. A request without tools and without tool history goes on untouched, at the cost of two
// property reads.
import type { ChatRequest } from '../../core';
import { defaultToolsConfig, planTools, ToolSession, type RuntimeTooling } from '../../tools';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

/** An upstream that does not say: an OpenAI-compatible server that decodes under schemas but leaves text unparsed. */
const assumedTooling: RuntimeTooling = { parsesCalls: false, honoursToolChoice: true, constrains: true };

const isChatRequest = (request: ClientRequest): request is ClientRequest & ChatRequest => Array.isArray(request.messages);

export function prepareTools<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  { entry, upstream }: Target,
  request: Req,
): ToolSession | undefined {
  if (start.door.route !== 'chat' || !isChatRequest(request)) return undefined;
  if (request.tools === undefined && request.tool_choice === undefined && entry.capabilities.tools === 'native') return undefined;
  const plan = planTools({
    request,
    support: entry.capabilities.tools,
    model: entry.name,
    runtime: upstream.tooling ?? assumedTooling,
    config: start.snapshot.options.tools ?? defaultToolsConfig,
  });
  return plan && new ToolSession(plan);
}
