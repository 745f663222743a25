/**
 * The Docker runtime's pure parts, no engine needed: how a user's service becomes entry point and
 * CMD, and the demultiplexing of the engine's log stream that `logTail` quotes. The engine-backed
 * suites are in `test/services/`.
 */
import { describe, expect, test } from 'bun:test';
import { demuxLogs, serviceCommand } from './runtime-docker.ts';

describe('serviceCommand', () => {
  test.each([
    [{ command: 'serve --port $PORT' }, { entrypoint: ['/bin/sh', '-c'], cmd: ['serve --port $PORT'] }],
    [
      { command: 'serve', args: ['ignored'] },
      { entrypoint: ['/bin/sh', '-c'], cmd: ['serve'] },
    ],
    [{ args: ['--workers', '2'] }, { cmd: ['--workers', '2'] }],
    [{}, { cmd: undefined }],
  ])('%p runs as %p', (service, expected) => {
    expect(serviceCommand(service)).toEqual(expected);
  });
});

describe('demuxLogs', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  test('stdout and stderr frames are joined in order, headers dropped', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'listening\n'), frame(2, 'boom: no DB_URL\n')]))).toBe(
      'listening\nboom: no DB_URL\n',
    );
  });

  test('a stream that is not framed (a TTY container) is taken as text', () => {
    expect(demuxLogs(Buffer.from('plain text output\n'))).toBe('plain text output\n');
  });
});
