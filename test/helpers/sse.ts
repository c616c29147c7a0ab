// Reads an SSE response body into its events (event name and parsed data), for the agent doors'
// tests, which check the stream event by event as a client sees it.

export interface ParsedEvent {
  event: string | undefined;
  data: Record<string, unknown>;
}

export function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  for (const block of text.split('\n\n')) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) continue;
    const joined = data.join('\n');
    events.push({ event, data: joined === '[DONE]' ? { done: true } : (JSON.parse(joined) as Record<string, unknown>) });
  }
  return events;
}

/** The `type` of each event, in order. */
export const typesOf = (events: readonly ParsedEvent[]): unknown[] => events.map((e) => e.data.type);
