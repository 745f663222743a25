/**
 * React hook over the app server's `GET /stream` (read with `fetch` so it carries the upstream pin
 * and streams from the page's own server through a balancer, `event-stream.ts`): `hello` brings
 * the last 120 s of samples and the active scenario, then one `sample` event arrives per interval,
 * and `requests` events carry the requests served (the last minute of them is kept). It keeps a
 * rolling window of `WINDOW_MS`, reports the connection state and reconnects by itself.
 */
import { useEffect, useState } from 'react';
import { pinHeaders } from './api.ts';
import { openEventStream } from './event-stream.ts';
import type { PageConfig, RecentRequest, Sample, ScenarioMode } from './types.ts';

/** How much history the chart keeps, ms (about 2 minutes). */
export const WINDOW_MS = 120_000;

/** What the page knows from the stream. */
export interface StreamState {
  samples: Sample[];
  /** Requests served in the last minute, oldest first. */
  requests: RecentRequest[];
  scenario: ScenarioMode | null;
  connection: 'connecting' | 'live' | 'reconnecting';
}

const trim = (xs: Sample[]) => {
  const last = xs.at(-1);
  return last ? xs.filter((s) => s.ts > last.ts - WINDOW_MS) : xs;
};

/** Subscribes to `url` (default `/stream`) of the page's server (`cfg.pin`) while mounted. */
export function useStream(
  cfg: Pick<PageConfig, 'pin'>,
  url = '/stream',
): StreamState & { setScenario: (m: ScenarioMode) => void } {
  const [state, setState] = useState<StreamState>({
    samples: [],
    requests: [],
    scenario: null,
    connection: 'connecting',
  });

  useEffect(() => {
    const ac = new AbortController();
    const handlers: Record<string, (data: string) => void> = {
      hello: (data) => {
        const hello = JSON.parse(data) as { scenario: ScenarioMode; history: Sample[] };
        setState({
          samples: trim(hello.history),
          requests: [],
          scenario: hello.scenario,
          connection: 'live',
        });
      },
      sample: (data) => {
        const s = JSON.parse(data) as Sample;
        setState((prev) => ({
          ...prev,
          samples: trim([...prev.samples, s]),
          scenario: s.scenario,
          connection: 'live',
        }));
      },
      requests: (data) => {
        const fresh = JSON.parse(data) as RecentRequest[];
        const cutoff = Date.now() - 60_000;
        setState((prev) => ({ ...prev, requests: [...prev.requests, ...fresh].filter((r) => r.t > cutoff) }));
      },
    };
    openEventStream(
      url,
      pinHeaders(cfg),
      {
        onEvent: (e) => handlers[e.event]?.(e.data),
        onError: () => setState((prev) => ({ ...prev, connection: 'reconnecting' })),
      },
      ac.signal,
    );
    return () => ac.abort();
  }, [url, cfg.pin]);

  return { ...state, setScenario: (m) => setState((prev) => ({ ...prev, scenario: m })) };
}
