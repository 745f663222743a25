import { describe, expect, test } from 'bun:test';
import { stopReason } from './cluster-roles.ts';

// Stderr as Bun 1.4.5 writes it when a role dies of an uncaught error: the source line, a caret,
// the message, the error's own properties, the stack, then its version banner.
const uncaught = (message: string, props: string[] = []) =>
  [
    '{"level":"warn","msg":"error: a log line, not the reason"}',
    '1 | const e = new Error(x); throw e;',
    '              ^',
    message,
    ...props,
    '',
    '      at /app/server/main.ts:1:15',
    '',
    'Bun v1.4.5 (Linux x64)',
    '',
  ].join('\n');

describe('stopReason', () => {
  test.each([
    [
      'an Error',
      uncaught('error: listen EADDRINUSE: address already in use 127.0.0.1:7001'),
      'error: listen EADDRINUSE: address already in use 127.0.0.1:7001',
    ],
    [
      'an Error with properties',
      uncaught('error: connect ECONNREFUSED 127.0.0.1:6379', [' code: "ECONNREFUSED"', ' errno: -111']),
      'error: connect ECONNREFUSED 127.0.0.1:6379',
    ],
    [
      'a TypeError',
      uncaught("TypeError: undefined is not an object (evaluating 'x.y')"),
      "TypeError: undefined is not an object (evaluating 'x.y')",
    ],
    [
      'a named project error',
      uncaught('BadConfig: --port must be a port', ['  status: 500,', ' details: undefined,']),
      'BadConfig: --port must be a port',
    ],
    [
      'a code in brackets',
      uncaught('Error [ERR_SOCKET_BAD_PORT]: bad port'),
      'Error [ERR_SOCKET_BAD_PORT]: bad port',
    ],
  ])("after Bun's banner, the message of %s", (_what, text, want) => {
    expect(stopReason(text)).toBe(want);
  });

  test('without the banner, the last non-empty line (a one-line BadConfig exit)', () => {
    expect(stopReason('zonescale monitor: --peers lists this monitor\n\n')).toBe(
      'zonescale monitor: --peers lists this monitor',
    );
  });

  test('a banner with no message line before it: the line before the banner', () => {
    expect(stopReason('oh no: Bun has crashed\nBun v1.4.5 (Linux x64)\n')).toBe('oh no: Bun has crashed');
  });

  test('nothing written: empty', () => {
    expect(stopReason('')).toBe('');
    expect(stopReason('\n \n')).toBe('');
  });
});
