import { expect, test } from 'bun:test';
import { giveUpAnswer } from './answers.ts';
import type { TryOutcome } from './retries.ts';

test.each([
  [null, true, [], 503, 'pinned_server_unavailable'],
  [null, false, [], 503, 'no_available_server'],
  [{ kind: 'client-aborted' }, false, ['a'], 499, 'client_closed'],
  [{ kind: 'timeout' }, false, ['a', 'b'], 504, 'upstream_timeout'],
  [{ kind: 'connect-failure' }, false, ['a', 'b'], 502, 'bad_gateway'],
] as [TryOutcome | null, boolean, string[], number, string][])(
  'after %j (pinned %p, tried %j): %d %s',
  (last, pinned, tried, status, error) => {
    const a = giveUpAnswer(last, pinned, 'zone1', tried);
    expect(a.status).toBe(status);
    const body = JSON.parse(new TextDecoder().decode(a.body as Uint8Array)) as {
      error: string;
      message: string;
    };
    expect(body.error).toBe(error);
    if (status >= 502 && status <= 504 && tried.length) expect(body.message).toContain(tried.join(', '));
  },
);
