// The one rough token count the gateway uses until context counting is precise: four characters
// of the request's text (messages, prompt or embedding input, as JSON) per token.
export function estimatePromptTokens(request: Record<string, unknown>): number {
  const text = request.messages ?? request.prompt ?? request.input ?? '';
  return Math.ceil(JSON.stringify(text).length / 4);
}
