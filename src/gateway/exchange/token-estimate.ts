// The one rough token count the gateway uses until context counting is precise: four characters
// of the request's text (messages, prompt or embedding input, as JSON) per token.

/**
 * The length `JSON.stringify(value)` would have, without building the string (it runs on every
 * request, and the string would be garbage at once; bench/README.md). Escapes are not counted,
 * so a text full of quotes or newlines reads a little short; this is an estimate either way.
 */
export function jsonLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 1 + Math.max(1, value.length);
        for (const v of value) n += v === undefined || typeof v === 'function' ? 4 : jsonLength(v);
        return n;
      }
      let n = 1;
      let fields = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || typeof v === 'function') continue;
        n += key.length + 3 + jsonLength(v);
        fields++;
      }
      return n + Math.max(1, fields);
    }
    default:
      return 0;
  }
}

export function estimatePromptTokens(request: Record<string, unknown>): number {
  const text = request.messages ?? request.prompt ?? request.input ?? '';
  return Math.ceil(jsonLength(text) / 4);
}
