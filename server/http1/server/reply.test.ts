import { describe, expect, test } from 'bun:test';
import { isEventStream } from './reply.ts';

describe('isEventStream', () => {
  const cases: [string, [string, string][], boolean][] = [
    ['text/event-stream', [['content-type', 'text/event-stream']], true],
    ['with parameters', [['content-type', 'text/event-stream; charset=utf-8']], true],
    ['the media type in another case (RFC 9110 §8.3.1)', [['content-type', 'Text/Event-Stream']], true],
    ['a header name in another case', [['Content-Type', 'text/event-stream']], true],
    ['leading white space in the value', [['content-type', ' text/event-stream']], true],
    ['another media type', [['content-type', 'application/json']], false],
    ['a prefix of it only', [['content-type', 'text/event']], false],
    ['no content-type', [['x-content-type', 'text/event-stream']], false],
    ['no headers', [], false],
    [
      'the first content-type decides',
      [
        ['content-type', 'text/plain'],
        ['content-type', 'text/event-stream'],
      ],
      false,
    ],
  ];
  test.each(cases)('%s', (_name, headers, want) => {
    expect(isEventStream(headers)).toBe(want);
  });
});
