// Typed context variables shared by middleware and routes.
import type { GatewayError } from '../../core';
import type { Principal } from '../keys';

/** A door's own error envelope and status (Anthropic's on /v1/messages); OpenAI's when unset. */
export type ErrorRenderer = (err: GatewayError, requestId: string | undefined) => { status: number; body: unknown };

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
    principal: Principal;
    startedAt: number;
    errorRenderer: ErrorRenderer | undefined;
  }
}
