// The settings that apply to one model: the `context` section with the model's own keys on top.
import type { ContextConfig, ModelContextConfig } from './config-schema';

export type ContextSettings = Omit<ContextConfig, 'windows' | 'countCacheEntries'>;

export function settingsFor(section: ContextConfig, model: ModelContextConfig | undefined): ContextSettings {
  return {
    strategy: model?.strategy ?? section.strategy,
    reserveTokens: model?.reserveTokens ?? section.reserveTokens,
    maxReserveShare: model?.maxReserveShare ?? section.maxReserveShare,
    lowWaterMark: model?.lowWaterMark ?? section.lowWaterMark,
    maxMessageShare: model?.maxMessageShare ?? section.maxMessageShare,
    counting: model?.counting ?? section.counting,
  };
}
