import { describe, expect, it } from 'vitest';
import { Calibration, MARGINS } from '../../../src/context';

describe('Calibration', () => {
  it('starts with the cautious margin of its kind', () => {
    expect(new Calibration(MARGINS.estimate).margin()).toBe(0.15);
    expect(new Calibration(MARGINS.local).margin()).toBe(0.05);
  });

  it('shrinks the margin to the worst recent undercount once calibrated', () => {
    const c = new Calibration(MARGINS.local);
    for (let i = 0; i < 10; i++) c.observe(1000, i === 3 ? 1020 : 1000);
    expect(c.margin()).toBeGreaterThan(0.01);
    expect(c.margin()).toBeLessThan(0.05);
    const exact = new Calibration(MARGINS.exact);
    for (let i = 0; i < 10; i++) exact.observe(500, 500);
    expect(exact.margin()).toBeLessThan(0.01);
  });

  it('learns the ratio between its counts and the runtime', () => {
    const c = new Calibration(MARGINS.estimate);
    for (let i = 0; i < 40; i++) c.observe(c.correct(1000), 1300);
    expect(c.correct(1000)).toBeGreaterThan(1280);
    expect(c.correct(1000)).toBeLessThan(1320);
  });

  it('ignores reports that cannot be counts of the same prompt', () => {
    const c = new Calibration(MARGINS.estimate);
    c.observe(1000, 0);
    c.observe(1000, 10_000);
    expect(c.state()).toMatchObject({ samples: 0, ratio: 1 });
  });

  it('keeps its ratio within 4x however long the reports disagree', () => {
    // Counts that reached observe uncorrected: without the bound the ratio compounds on every answer.
    const c = new Calibration(MARGINS.estimate);
    for (let i = 0; i < 500; i++) c.observe(1000, 3000);
    expect(c.correct(1000)).toBe(4000);
    const low = new Calibration(MARGINS.estimate);
    for (let i = 0; i < 500; i++) low.observe(1000, 300);
    expect(low.correct(1000)).toBe(250);
  });
});
