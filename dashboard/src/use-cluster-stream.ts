/**
 * React hook over `startClusterStream`: starts one stream for the component's lifetime (page origin
 * by default, or `?monitor=<url>` for pointing a dev build at a running cluster) and re-renders on
 * every snapshot.
 */
import { useEffect, useState } from 'react';
import { type StreamSnapshot, startClusterStream } from './stream.ts';

/** The first monitor to stream from: `?monitor=` when given, else the page's own origin. */
export function initialMonitorUrl(location: Pick<Location, 'origin' | 'search'>): string {
  const fromQuery = new URLSearchParams(location.search).get('monitor');
  return fromQuery !== null && fromQuery !== '' ? fromQuery : location.origin;
}

/** Live cluster snapshot; see `StreamSnapshot` for the shape. */
export function useClusterStream(): StreamSnapshot {
  const [initialUrl] = useState(() => initialMonitorUrl(window.location));
  const [snap, setSnap] = useState<StreamSnapshot>(() => ({
    status: 'connecting',
    source: { url: initialUrl, id: null },
    state: null,
    cpu: {},
    replicas: [],
    serverCpu: {},
    lastEvent: null,
    failovers: 0,
    lastError: null,
    lostSource: null,
  }));
  useEffect(() => {
    const stream = startClusterStream({ initialUrl, extraUrls: [window.location.origin] }, setSnap);
    return () => stream.stop();
  }, [initialUrl]);
  return snap;
}
