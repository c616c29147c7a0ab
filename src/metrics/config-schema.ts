// The `metrics` section of aegis.yaml: who may read /metrics, and whether series carry principals.
import { z } from 'zod';

export const metricsConfigSchema = z.strictObject({
  /**
   * `/metrics` answers only callers with a key of role `admin` or `metrics` (Prometheus sends it as
   * `authorization: { credentials_file: ... }`). Off by default: the listener's own access rules apply.
   */
  requireKey: z.boolean().default(false),
  /**
   * Adds request and token series by principal (the key id). Key ids are configured, so the label
   * stays bounded; off by default because each key multiplies the series.
   */
  principals: z.boolean().default(false),
});

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;
