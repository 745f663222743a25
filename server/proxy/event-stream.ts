/**
 * Recognises answers that are long-lived server-sent event streams, so the forwarder can stop
 * counting them as requests in flight once their head has arrived.
 */
/**
 * Whether an answer is a server-sent event stream (`Content-Type: text/event-stream`). Such a
 * stream stays open as long as its page does, so it counts as a request in flight only until its
 * head arrives: an open dashboard or app page is not load (issue 12: the app page's own live
 * stream showed as "1 in flight"). The count feeds `GET /pools` and least-connections.
 */
export function isEventStream(headers: readonly [string, string][]): boolean {
  for (const [name, value] of headers)
    if (name.length === 12 && name.toLowerCase() === 'content-type')
      return value.trimStart().toLowerCase().startsWith('text/event-stream');
  return false;
}
