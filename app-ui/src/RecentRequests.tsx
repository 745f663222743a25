/**
 * The last minute of requests this server served (newest first): time, method and path, status
 * and duration, with a one-line summary (count, req/s, errors, p95). Fed by the stream's
 * `requests` events. Test id `recent-requests`; one `request-row` per request shown (at most 50).
 */
import type { RecentRequest } from './types.ts';

const SHOWN = 50;

function p95(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? null;
}

/** The request list. */
export function RecentRequests({ requests, now }: { requests: RecentRequest[]; now: number }) {
  const errors = requests.filter((r) => r.status >= 500).length;
  const latency = p95(requests.map((r) => r.ms));
  const rows = requests.slice(-SHOWN).reverse();
  return (
    <section aria-labelledby="requests-heading" className="card" data-testid="recent-requests">
      <header className="card-head">
        <h2 id="requests-heading">Requests, last minute</h2>
        <p className="muted small">
          <strong>{requests.length}</strong> served · {(requests.length / 60).toFixed(1)} req/s ·{' '}
          <span className={errors > 0 ? 'bad' : ''}>{errors} errors</span> · p95{' '}
          {latency === null ? '—' : `${latency.toFixed(1)} ms`}
        </p>
      </header>
      {rows.length === 0 ? (
        <p className="muted">
          No user requests in the last minute. Send some through the balancer or the gateway.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="requests">
            <thead>
              <tr>
                <th scope="col">age</th>
                <th scope="col">request</th>
                <th scope="col">status</th>
                <th scope="col" className="num">
                  ms
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${r.t}-${i}`} data-testid="request-row">
                  <td className="muted num">{Math.max(0, Math.round((now - r.t) / 1000))} s</td>
                  <td className="mono">
                    {r.method} {r.path}
                  </td>
                  <td>
                    <span className={`status status-${Math.floor(r.status / 100)}xx`}>{r.status}</span>
                  </td>
                  <td className="num">{r.ms.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
