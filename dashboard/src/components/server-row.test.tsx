/** A server row names the node it runs on when the runtime has nodes, and nothing extra on one host. */
import { expect, test } from 'bun:test';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ServerView } from '../../../server/shared/types.ts';
import { thresholdPolicy } from '../../../test/support/policies.ts';
import { ServerRow } from './server-row.tsx';

const server: ServerView = {
  id: 'zone1-app-2',
  url: 'http://127.0.0.2:9101',
  uiUrl: 'http://127.0.0.2:9101/',
  state: 'alive',
  cpu: 12,
  memoryMb: 40,
  throughput: 3,
  scenario: null,
  createdAt: 0,
  inFlight: 0,
};

test('a server on a swarm node shows the node’s short id, with the full id on hover', () => {
  const html = renderToStaticMarkup(
    <ServerRow
      server={{ ...server, node: '6v9km7gyabolqubmx7wybo7mc' }}
      policy={thresholdPolicy()}
      monitor=""
    />,
  );
  expect(html).toContain('data-testid="server-node-zone1-app-2"');
  expect(html).toContain('on 6v9km7gyabol');
  expect(html).toContain('title="node 6v9km7gyabolqubmx7wybo7mc"');
});

test('a server on one host shows no node', () => {
  const html = renderToStaticMarkup(<ServerRow server={server} policy={thresholdPolicy()} monitor="" />);
  expect(html).not.toContain('server-node');
});
