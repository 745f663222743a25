/**
 * The zone card and server row for scale to zero and slow start, rendered to static markup: a zone
 * at zero says so, an activating zone names the held requests, a ramping server shows its weight.
 */
import { describe, expect, test } from 'bun:test';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ServerView } from '../../server/shared/types.ts';
import { ServerRow } from './components/server-row.tsx';
import { ZoneCard } from './components/zone-card.tsx';
import { clusterState, zoneView } from './test-fixtures.ts';

const policy = clusterState(0).policy;
const card = (over: Partial<ReturnType<typeof zoneView>>) =>
  renderToStaticMarkup(
    <ZoneCard zone={{ ...zoneView('zone1', 0, null), ...over }} policy={policy} monitor="" />,
  );

const server = (weight: number | null): ServerView => ({
  id: 'zone1-app-1',
  url: 'http://127.0.0.1:9101',
  uiUrl: 'http://127.0.0.1:9101/',
  state: 'alive',
  cpu: 10,
  memoryMb: 50,
  throughput: 1,
  scenario: null,
  createdAt: 0,
  inFlight: 0,
  weight,
});

describe('scale to zero and slow start on the dashboard', () => {
  test('a zone at zero whose balancer holds requests says the next request wakes it', () => {
    const html = card({ replicas: 0, servers: [], activation: { state: 'idle', held: 0, since: null } });
    expect(html).toContain('data-scale="zero"');
    expect(html).toContain('at zero');
    expect(html).toContain('wakes the zone');
  });

  test('an activating zone names the requests its balancer holds', () => {
    const html = card({ replicas: 0, servers: [], activation: { state: 'activating', held: 7, since: 1 } });
    expect(html).toContain('data-scale="activating"');
    expect(html).toMatch(/holds <span class="num">7<\/span> requests/);
  });

  test('a zone with servers shows no scale-state line', () => {
    const html = card({ replicas: 1, activation: { state: 'idle', held: 0, since: null } });
    expect(html).not.toContain('data-scale');
  });

  test('a ramping server shows its slow-start weight; a full-weight one does not', () => {
    const row = (w: number | null) =>
      renderToStaticMarkup(<ServerRow server={server(w)} policy={policy} monitor="" />);
    expect(row(40)).toContain('40 % weight');
    expect(row(100)).not.toContain('% weight');
    expect(row(null)).not.toContain('% weight');
  });
});
