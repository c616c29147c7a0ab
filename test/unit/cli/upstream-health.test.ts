// Upstream health for the status page and metrics: one probe per upstream per period, a failing
// probe reads as down.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { HEALTH_TTL_MS, upstreamHealthCache } from '../../../src/cli/upstream-health';
import { scriptedUpstream } from '../../helpers/app';

describe('upstreamHealthCache', () => {
  it('probes each upstream once per period and reports a throwing probe as down', async () => {
    const clock = new ManualClock(0);
    const up = scriptedUpstream('up');
    const broken = scriptedUpstream('broken');
    let probes = 0;
    up.health = async () => {
      probes++;
      return true;
    };
    broken.health = async () => {
      throw new Error('socket hang up');
    };
    const health = upstreamHealthCache(() => [up, broken], clock);
    expect(await health()).toEqual({ up: true, broken: false });
    clock.advance(HEALTH_TTL_MS - 1);
    await health();
    expect(probes).toBe(1);
    clock.advance(1);
    await health();
    expect(probes).toBe(2);
  });
});
