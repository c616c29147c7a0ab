// The `integrations` section of aegis.yaml, owned here and composed by src/config: where the
// organisation's consultation documents are answered into.
import { z } from 'zod';

export const integrationsConfigSchema = z
  .strictObject({
    consultations: z
      .strictObject({
        /** Responses are written here as `<id>.<model>.response.md` (never overwriting); unset: not written. */
        dir: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export type IntegrationsConfig = z.infer<typeof integrationsConfigSchema>;
