// Texts embedded by a gateway model through the embeddings door and the whole pipeline (policy,
// scheduler, metrics), for the record store: what it stores and what rag_search asks for. These
// exchanges are not recorded, or recording a record would embed and record again.
import { timeOrderedUuid, type EmbeddingResponse } from '../../core';
import type { GatewayDeps } from '../deps';
import type { Principal } from '../keys';
import { prepareExchange, serveExchange } from '../pipeline';
import { embeddingsDoor } from '../routes/inference';
import { metricsSink } from '../sinks';

/** Who asks for the record store's embeddings (policy sees this principal; role `local`: every model). */
export const embedderPrincipal: Principal = { id: 'aegis:rag-embedder', name: 'RAG embedder', roles: ['local'] };

export function gatewayEmbedder(deps: GatewayDeps, model: string, principal: Principal = embedderPrincipal): { embed(texts: string[]): Promise<number[][]> } {
  const sinks = [metricsSink(deps.metrics)];
  return {
    async embed(texts) {
      const prepared = prepareExchange({
        deps,
        sinks,
        snapshot: deps.snapshot(),
        door: embeddingsDoor,
        request: { model, input: texts },
        requestId: `req_${timeOrderedUuid()}`,
        startedAt: deps.clock.now(),
        principal,
      });
      const x = prepared instanceof Promise ? await prepared : prepared;
      const answer = await serveExchange(x);
      x.finish(200);
      if (answer.kind !== 'json') throw new Error('An embeddings request produced a stream.');
      const body = answer.body as EmbeddingResponse;
      return [...body.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as number[]);
    },
  };
}
