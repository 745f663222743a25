/** The zone decision line as static markup: the driving metric of target tracking, the KPA's figures and panic tag. */
import { describe, expect, test } from 'bun:test';
import { renderToStaticMarkup } from 'react-dom/server';
import {
  HPA_DEFAULT_TARGET_POLICY,
  KNATIVE_DEFAULT_CONCURRENCY_POLICY,
} from '../../test/support/policies.ts';
import { DecisionLine } from './components/decision-line.tsx';

const base = { ts: 1, replicas: 2, message: 'm' };

describe('DecisionLine', () => {
  test('a concurrency zone shows its stable and panic figures and the panic state', () => {
    const html = renderToStaticMarkup(
      <DecisionLine
        zone="zone2"
        policy={KNATIVE_DEFAULT_CONCURRENCY_POLICY}
        decision={{
          ...base,
          desired: 4,
          reason: 'PanicScaleUp',
          kpa: {
            stableConcurrency: 17.5,
            panicConcurrency: 40,
            stableDesired: 2,
            panicDesired: 4,
            panicking: true,
            panicSince: 1,
            lastActiveAt: 1,
          },
        }}
      />,
    );
    expect(html).toContain('PanicScaleUp → 4');
    expect(html).toContain('stable 17.5 → 2 · panic 40 → 4');
    expect(html).toContain('data-testid="zone-panic-zone2" data-panicking="true">panic</span>');
  });

  test('a target zone names the metric that drove it and shows no KPA figures', () => {
    const html = renderToStaticMarkup(
      <DecisionLine
        zone="zone1"
        policy={HPA_DEFAULT_TARGET_POLICY}
        decision={{ ...base, desired: 3, reason: 'AboveTarget', metric: 'rps' }}
      />,
    );
    expect(html).toContain('AboveTarget → 3 · driven by rps');
    expect(html).not.toContain('zone-kpa-');
  });

  test('nothing before the first decision', () => {
    expect(
      renderToStaticMarkup(<DecisionLine zone="zone1" policy={HPA_DEFAULT_TARGET_POLICY} decision={null} />),
    ).toBe('');
  });
});
