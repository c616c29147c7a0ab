// Public surface of src/context: fitting a conversation into a model's context window, as pure
// functions behind the Tokenizer port (DESIGN.md): strategies, blocks, shortening, the
// cache-friendly window, budgets, counting with calibration, and the local GGUF tokenizer.
export * from './types';
export { conversationBlocks, type Block } from './blocks';
export { cutMarker, MARKER_TOKENS, shortenMessage, textLength, type Shortening } from './shorten';
export { fitMessages, fitRemembered, type Fit, type FitCut, type FitOptions } from './fit';
export { WindowMemory, headEnd, prefixHash, type Cut, type WindowMemoryOptions } from './window';
export { chooseStrategy, parseStrategy, policyName, type StrategyChoice, type StrategyInputs } from './strategy';
export { promptBudget, type Budget, type BudgetInputs } from './budget';
export { Calibration, MARGINS, type CalibrationOptions } from './calibration';
export { FakeTokenizer, type FakeTokenizerOptions } from './fake-tokenizer';
export { estimateTokenizer, estimateTokens, utf8Bytes, type Tokenizer } from './tokenizer';
export { IMAGE_TOKENS, messageText, type MessageText } from './message-text';
export { DEFAULT_PROFILE, PromptCounter, type PromptCounterOptions, type PromptCounts, type TemplateProfile } from './counter';
export { contextLengthFromError, LearnedLimits } from './limits';
export { fitCounted, fitQuick, fitRequest, overflowError, type FitRequestInput, type Fitted } from './fit-request';
export { contextConfigSchema, modelContextSchema, type ContextConfig, type ModelContextConfig } from './config-schema';
export { settingsFor, type ContextSettings } from './settings';
export { createLocalTokenizer, type LocalTokenizer, type TokenizingRuntime } from './local/local-tokenizer';
export { vocabFromMetadata, type GgufVocab } from './local/vocab';
