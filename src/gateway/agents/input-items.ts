// One page of a stored response's input items, as OpenAI's list endpoints page: `limit` (1–100,
// default 20), `order` (`desc` by default: newest first), `after` an item id.
import { GatewayError } from '../../core';
import type { responses } from '../../protocols';

export interface PageQuery {
  limit?: string;
  order?: string;
  after?: string;
}

export interface ItemsPage {
  object: 'list';
  data: responses.InputItem[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

const idOf = (item: responses.InputItem): string | null => (typeof item.id === 'string' ? item.id : null);

/** A message's text given as a string is listed as one part, the shape OpenAI lists items in. */
function listed(item: responses.InputItem): responses.InputItem {
  if (item.type !== 'message' || typeof item.content !== 'string') return item;
  return { ...item, content: [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }] };
}

export function inputItemsPage(items: readonly responses.InputItem[], query: PageQuery): ItemsPage {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new GatewayError('invalid_request', `Invalid 'limit': expected an integer from 1 to 100, got '${query.limit}'.`, { param: 'limit' });
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new GatewayError('invalid_request', `Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, { param: 'order' });
  const ordered = order === 'asc' ? [...items] : [...items].reverse();
  let from = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => idOf(item) === query.after);
    if (at < 0) throw new GatewayError('invalid_request', `Invalid 'after': no input item with id '${query.after}'.`, { param: 'after' });
    from = at + 1;
  }
  const data = ordered.slice(from, from + limit).map(listed);
  return {
    object: 'list',
    data,
    first_id: data[0] ? idOf(data[0]) : null,
    last_id: data.at(-1) ? idOf(data.at(-1)!) : null,
    has_more: from + limit < ordered.length,
  };
}
