// Renders any failure as the OpenAI error envelope (or the door's own, where a door set one), with
// Retry-After where it belongs.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { GatewayError, toGatewayError, type Logger } from '../core';
import './middleware/context';

export function errorResponse(c: Context, err: GatewayError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers() };
  const id = c.get('requestId');
  if (id) headers['x-request-id'] = id;
  // A denial carries its decision id in the header too, like every allowed response.
  const decision = err.details?.decision_id;
  if (typeof decision === 'string') headers['x-aegis-decision-id'] = decision;
  const render = c.get('errorRenderer');
  if (render) {
    const { status, body } = render(err, id);
    return new Response(JSON.stringify(body), { status, headers });
  }
  return new Response(JSON.stringify(err.toJSON()), { status: err.status, headers });
}

export function onError(logger: Logger) {
  return function handleError(err: Error, c: Context): Response {
    let e: GatewayError;
    if (err instanceof HTTPException)
      e = new GatewayError(err.status === 413 ? 'body_too_large' : 'invalid_request', err.message || 'Bad request', { status: err.status });
    else e = toGatewayError(err);
    if (e.status >= 500)
      logger.error(
        { requestId: c.get('requestId'), code: e.code, err: (err as Error).message, stack: e.code === 'internal_error' ? (err as Error).stack : undefined },
        'request failed',
      );
    return errorResponse(c, e);
  };
}

export function notFound(c: Context): Response {
  return errorResponse(c, new GatewayError('not_found', `Unknown request URL: ${c.req.method} ${c.req.path}.`));
}
