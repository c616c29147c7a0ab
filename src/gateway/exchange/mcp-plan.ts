// What stage 4a decided for an exchange that uses MCP tools: the tools its model is offered and
// the request every model call of the tool loop starts from.
import type { McpToolSet } from '../../mcp';
import type { ClientRequest } from './front-door';

export interface McpPlan<Req extends ClientRequest = ClientRequest> {
  tools: McpToolSet;
  /** The request with the MCP tools merged in, before stages 5 and 6 fitted it and shaped it for the model. */
  base: Req;
  /** The request's messages (rounds append to them). */
  messages: readonly unknown[];
}
