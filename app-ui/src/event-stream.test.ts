/** The page's event-stream parser, table-driven over how the bytes may be split. */
import { describe, expect, test } from 'bun:test';
import { SseParser } from './event-stream.ts';

const STREAM = 'event: hello\ndata: {"a":1}\n\n: comment\nevent: sample\ndata: x\ndata: y\n\ndata: plain\n\n';
const EVENTS = [
  { event: 'hello', data: '{"a":1}' },
  { event: 'sample', data: 'x\ny' },
  { event: 'message', data: 'plain' },
];

describe('SseParser', () => {
  test.each([
    ['one chunk', [STREAM]],
    ['one byte a chunk', STREAM.split('')],
    ['CRLF line ends split between chunks', STREAM.replace(/\n/g, '\r\n').split(/(?<=\r)/)],
    ['CR line ends (a last CR waits for the next byte)', [STREAM.replace(/\n/g, '\r'), ':\r']],
  ])('%s gives the same events', (_n, chunks) => {
    const p = new SseParser();
    const got = chunks.flatMap((c) => p.push(c));
    expect(got).toEqual(EVENTS);
  });

  test('an event without a blank line after it is not dispatched yet', () => {
    const p = new SseParser();
    expect(p.push('event: a\ndata: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'a', data: '1' }]);
  });
});
