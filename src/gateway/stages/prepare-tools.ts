// Stage 6: native tools pass through; models without native tools get the emulated format; MCP
// tools the policy allows are merged in (src/tools, src/mcp). Pass-through until those land.
import type { Target } from '../exchange/exchange';

export function prepareTools<Req>(_target: Target, request: Req): Req {
  return request;
}
