// Typed context variables shared by middleware and routes.
import type { Principal } from '../keys';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
    principal: Principal;
    startedAt: number;
  }
}
