/**
 * The app server's page: who this server is (id, zone), whether it is healthy and streaming, the
 * active scenario with the High CPU / Low CPU / Off buttons, and live charts of CPU %, memory MB
 * and throughput req/s over the last ~2 minutes, and the last minute of requests, fed by `GET /stream`.
 */
import { MetricChart } from './MetricChart.tsx';
import { RecentRequests } from './RecentRequests.tsx';
import { ScenarioButtons } from './ScenarioButtons.tsx';
import { pageConfig } from './types.ts';
import { useStream } from './use-stream.ts';

const SCENARIO_LABEL = { high: 'High CPU', low: 'Low CPU', off: 'Off' } as const;

/** The whole page. */
export function App() {
  const cfg = pageConfig();
  const stream = useStream(cfg);
  const last = stream.samples.at(-1);
  const stale = last ? Date.now() - last.ts > 5_000 : true;
  const health =
    stream.connection !== 'live'
      ? 'unreachable'
      : last?.healthy && !stale
        ? 'healthy'
        : last
          ? 'unhealthy'
          : 'waiting';

  return (
    <main>
      <header className="top">
        <div>
          <p className="eyebrow">zonescale app server</p>
          <h1>{cfg.id}</h1>
        </div>
        <dl className="facts">
          <div>
            <dt>Zone</dt>
            <dd>{cfg.zone}</dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd>
              <span className={`pill pill-${health}`}>{health}</span>
            </dd>
          </div>
          <div>
            <dt>Scenario</dt>
            <dd>{stream.scenario ? SCENARIO_LABEL[stream.scenario] : '—'}</dd>
          </div>
          <div>
            <dt>Stream</dt>
            <dd>{stream.connection}</dd>
          </div>
        </dl>
      </header>

      <ScenarioButtons active={stream.scenario} cfg={cfg} onSwitched={stream.setScenario} />

      <section aria-label="Live metrics" className="charts">
        <MetricChart
          title="CPU"
          metric="cpu"
          unit="%"
          color="var(--cpu)"
          samples={stream.samples}
          domain={[0, (max: number) => Math.max(100, Math.ceil(max / 25) * 25)]}
          bands={[
            { from: 70, to: 75, label: 'High band 70–75 %', color: '#e5484d' },
            { from: 1, to: 10, label: 'Low band 1–10 %', color: '#30a46c' },
          ]}
        />
        <MetricChart title="Memory" metric="memoryMb" unit="MB" color="var(--mem)" samples={stream.samples} />
        <MetricChart
          title="Throughput"
          metric="throughput"
          unit="req/s"
          color="var(--tput)"
          samples={stream.samples}
        />
      </section>

      <RecentRequests requests={stream.requests} now={last?.ts ?? Date.now()} />
    </main>
  );
}
