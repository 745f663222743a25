/**
 * The bounded load generator, run by the monitor the page streams from (`POST /control/load`):
 * rate (1–500 req/s), duration (1–300 s) and target (the gateway or one zone's balancer), Start and
 * Stop, and the run's live figures (sent of planned, req/s, p50/p95/p99, errors) polled every
 * second from `GET /control/load`. Requests are `/work?ms=20` (20 ms of CPU each), so 40 req/s on
 * one server is ~80 % CPU. Test ids `load-rate`, `load-duration`, `load-target`, `load-start`,
 * `load-stop`, `load-status` (`data-running`).
 */
import { useEffect, useState } from 'react';
import { type LoadRunView, pageKey, readLoad, startLoad, stopLoad } from '../controls-api.ts';

const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)} ms`);

/** The load panel; `targets` = `gateway` (when known) and the zone ids. */
export function LoadPanel({ monitor, targets }: { monitor: string; targets: string[] }) {
  const [rate, setRate] = useState(40);
  const [duration, setDuration] = useState(60);
  const [target, setTarget] = useState(targets[0] ?? 'gateway');
  const [run, setRun] = useState<LoadRunView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const disabled = pageKey() === null;

  useEffect(() => {
    let alive = true;
    const poll = () =>
      readLoad(monitor)
        .then((r) => alive && setRun(r.run))
        .catch(() => {});
    void poll();
    const t = setInterval(poll, 1_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [monitor]);

  const start = async () => {
    setError(null);
    try {
      setRun((await startLoad(monitor, { rate, durationS: duration, target })).run);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const stop = async () => {
    setError(null);
    try {
      setRun((await stopLoad(monitor)).run);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const running = run?.running ?? false;
  const progress = run && run.planned > 0 ? Math.min(100, (run.sent / run.planned) * 100) : 0;

  return (
    <section className="card load" aria-labelledby="load-heading">
      <header className="panel-head">
        <h2 id="load-heading">Load generator</h2>
        <span className="muted small">real GET /work?ms=20 requests, ≤ 500 req/s, ≤ 300 s</span>
      </header>
      <form
        className="load-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          rate (req/s)
          <input
            type="number"
            min={1}
            max={500}
            value={rate}
            data-testid="load-rate"
            onChange={(e) => setRate(Number(e.target.value))}
          />
        </label>
        <label>
          duration (s)
          <input
            type="number"
            min={1}
            max={300}
            value={duration}
            data-testid="load-duration"
            onChange={(e) => setDuration(Number(e.target.value))}
          />
        </label>
        <label>
          through
          <select value={target} data-testid="load-target" onChange={(e) => setTarget(e.target.value)}>
            {targets.map((t) => (
              <option key={t} value={t}>
                {t === 'gateway' ? 'gateway (front door)' : `${t} balancer`}
              </option>
            ))}
          </select>
        </label>
        <div className="load-buttons">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={disabled || running}
            data-testid="load-start"
          >
            Start
          </button>
          <button
            type="button"
            className="btn"
            disabled={disabled || !running}
            data-testid="load-stop"
            onClick={() => void stop()}
          >
            Stop
          </button>
        </div>
      </form>
      {disabled && (
        <p className="muted small">Controls need the page served by a monitor (it holds the page key).</p>
      )}
      {error && (
        <p className="control-error" role="alert">
          {error}
        </p>
      )}
      <div className="load-status" data-testid="load-status" data-running={running} aria-live="polite">
        {run === null ? (
          <span className="muted">No run yet.</span>
        ) : (
          <>
            <div className="progress" aria-hidden="true">
              <span style={{ width: `${progress}%` }} className={running ? 'running' : ''} />
            </div>
            <div className="load-figures">
              <span>
                <strong>{running ? 'running' : run.stoppedEarly ? 'stopped' : 'finished'}</strong> →{' '}
                {run.target} · {run.rate} req/s × {run.durationS} s
              </span>
              <span className="num">
                sent {run.sent}/{run.planned} · {run.rps.toFixed(1)} req/s
              </span>
              <span className="num">
                p50 {ms(run.p50)} · p95 {ms(run.p95)} · p99 {ms(run.p99)}
              </span>
              <span className={`num ${run.errors > 0 ? 'bad-text' : ''}`}>errors {run.errors}</span>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
