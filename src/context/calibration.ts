// Calibration of a model's counts against what its runtime reports (`usage.prompt_tokens`,
// Ollama's `prompt_eval_count`): a correction ratio, and a safety margin that shrinks from a
// cautious start to the worst undercount actually seen once enough answers came back.
import type { CountKind } from './types';

export interface CalibrationOptions {
  /** Margin before enough samples: a fraction of the budget held back for miscounts. */
  initialMargin: number;
  /** The least margin, however well calibrated. */
  floorMargin: number;
}

/** Starting and least margins per kind of count. */
export const MARGINS: Record<CountKind, CalibrationOptions> = {
  // Exact per-text counts still sum template framing measured once; the whole prompt is counted
  // exactly near the limit, so no margin is needed once the runtime agrees.
  exact: { initialMargin: 0.02, floorMargin: 0 },
  local: { initialMargin: 0.05, floorMargin: 0.01 },
  estimate: { initialMargin: 0.15, floorMargin: 0.03 },
};

/** Samples before the margin trusts the calibration. */
const WARM_SAMPLES = 5;
/** Errors remembered: the margin follows the worst of the recent ones. */
const WINDOW = 64;
/**
 * The ratio stays within this factor of 1 either way. One report may differ by that much, and a
 * count that reached `observe` uncorrected would otherwise push the ratio further on every answer
 * until every prompt looked too long for the model.
 */
const MAX_RATIO = 4;

export class Calibration {
  private ratio = 1;
  private samples = 0;
  private readonly errors: number[] = [];

  constructor(private readonly options: CalibrationOptions) {}

  /** `tokens` counted by Aegis, corrected by what the runtime has been reporting. */
  correct(tokens: number): number {
    return this.ratio === 1 ? tokens : Math.ceil(tokens * this.ratio);
  }

  /** The fraction of the budget held back for miscounts. */
  margin(): number {
    const { initialMargin, floorMargin } = this.options;
    if (this.samples < WARM_SAMPLES) return initialMargin;
    let worst = 0;
    for (const e of this.errors) worst = Math.max(worst, e);
    return Math.min(initialMargin, Math.max(floorMargin, worst + 0.005));
  }

  /**
   * One answer: Aegis counted `counted` tokens (already corrected by this calibration) and the
   * runtime reported `reported`.
   */
  observe(counted: number, reported: number): void {
    // A runtime that reports nothing useful (0, or a count of something else) teaches nothing.
    if (counted <= 0 || reported <= 0 || reported / counted > MAX_RATIO || reported / counted < 1 / MAX_RATIO) return;
    this.errors.push(Math.max(0, (reported - counted) / reported));
    if (this.errors.length > WINDOW) this.errors.shift();
    this.samples++;
    const alpha = Math.max(1 / this.samples, 0.1);
    this.ratio = Math.min(MAX_RATIO, Math.max(1 / MAX_RATIO, this.ratio * (1 + alpha * (reported / counted - 1))));
  }

  state(): { ratio: number; samples: number; margin: number } {
    return { ratio: this.ratio, samples: this.samples, margin: this.margin() };
  }
}
