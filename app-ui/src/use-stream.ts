/**
 * React hook over the app server's `GET /stream` (EventSource): `hello` brings the last 120 s of
 * samples and the active scenario, then one `sample` event arrives per interval, and `requests`
 * events carry the requests served (the last minute of them is kept). It keeps a
 * rolling window of `WINDOW_MS` and reports the connection state; EventSource reconnects by itself.
 */
import { useEffect, useState } from 'react';
import type { RecentRequest, Sample, ScenarioMode } from './types.ts';

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

/** Subscribes to `url` (default `/stream`) while mounted. */
export function useStream(url = '/stream'): StreamState & { setScenario: (m: ScenarioMode) => void } {
  const [state, setState] = useState<StreamState>({
    samples: [],
    requests: [],
    scenario: null,
    connection: 'connecting',
  });

  useEffect(() => {
    const es = new EventSource(url);
    es.addEventListener('hello', (e) => {
      const hello = JSON.parse((e as MessageEvent<string>).data) as {
        scenario: ScenarioMode;
        history: Sample[];
      };
      setState({ samples: trim(hello.history), requests: [], scenario: hello.scenario, connection: 'live' });
    });
    es.addEventListener('sample', (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as Sample;
      setState((prev) => ({
        ...prev,
        samples: trim([...prev.samples, s]),
        scenario: s.scenario,
        connection: 'live',
      }));
    });
    es.addEventListener('requests', (e) => {
      const fresh = JSON.parse((e as MessageEvent<string>).data) as RecentRequest[];
      const cutoff = Date.now() - 60_000;
      setState((prev) => ({ ...prev, requests: [...prev.requests, ...fresh].filter((r) => r.t > cutoff) }));
    });
    es.onerror = () => setState((prev) => ({ ...prev, connection: 'reconnecting' }));
    return () => es.close();
  }, [url]);

  return { ...state, setScenario: (m) => setState((prev) => ({ ...prev, scenario: m })) };
}
