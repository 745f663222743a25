/**
 * The dashboard header: brand, the leader (monitor id, term, time since its election; test id
 * `leader`), every monitor's badge, the stream status, the slot of the event toast and the theme toggle.
 */
import type { ClusterState } from '../../../server/shared/types.ts';
import { formatAgo, formatClock, hostPort } from '../format.ts';
import type { StreamSnapshot } from '../stream.ts';
import { EventToast } from './event-toast.tsx';
import { MonitorBadges } from './monitor-badges.tsx';
import { StreamStatus } from './stream-status.tsx';
import { ThemeToggle } from './theme-toggle.tsx';

function Leader({ state }: { state: ClusterState | null }) {
  if (state === null)
    return (
      <div className="leader muted" data-testid="leader">
        waiting for state…
      </div>
    );
  const { leader } = state;
  if (leader === null) {
    return (
      <div className="leader leader-none" data-testid="leader" data-leader-id="">
        <span className="label">leader</span> <strong>none</strong>{' '}
        <span className="muted">election in progress</span>
      </div>
    );
  }
  return (
    <div
      className="leader"
      data-testid="leader"
      data-leader-id={leader.id}
      data-term={leader.term}
      title={`${hostPort(leader.url)}, elected ${formatClock(leader.since)}`}
    >
      <span className="label">leader</span> <strong>monitor {leader.id}</strong>
      <span className="sep">·</span>
      <span>term {leader.term}</span>
      <span className="sep">·</span>
      <span className="muted">since {formatAgo(leader.since, state.now)}</span>
    </div>
  );
}

/** The top bar. */
export function Header({ snap }: { snap: StreamSnapshot }) {
  return (
    <header className="topbar">
      <div className="brand">
        <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
          <rect x="1" y="8" width="4" height="7" rx="1" fill="#3b82f6" />
          <rect x="6" y="4" width="4" height="11" rx="1" fill="#a855f7" />
          <rect x="11" y="1" width="4" height="14" rx="1" fill="#14b8a6" />
        </svg>
        <span>zonescale</span>
      </div>
      <Leader state={snap.state} />
      <MonitorBadges monitors={snap.state?.monitors ?? []} sourceId={snap.source.id} />
      <StreamStatus snap={snap} />
      <EventToast event={snap.lastEvent} />
      <ThemeToggle />
    </header>
  );
}
