/**
 * The one path-traversal guard of the static pages (dashboard, app UI): table-driven over raw URL
 * paths, through `serveStatic` with `app.request`, and over a raw socket (where no URL parser
 * removes the dot segments first).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from './api.ts';
import { originPolicy } from './origin-guard.ts';
import { fileInRoot, rawPathOf, serveStatic } from './static-files.ts';

let base = '';
let root = '';
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zs-static-'));
  root = join(base, 'dist');
  mkdirSync(join(root, 'assets', 'sub'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(root, 'index.html'), '<html><head></head>page</html>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'a b.js'), 'spaced');
  writeFileSync(join(root, 'assets', 'sub', 'x.css'), 'x{}');
  writeFileSync(join(base, 'secret.txt'), 'TOP-SECRET-CONTENT');
  writeFileSync(join(base, 'outside', 'o.js'), 'outside');
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link-out.js'));
  symlinkSync(join(base, 'outside'), join(root, 'assets', 'dir-out'));
  symlinkSync(join(root, 'assets', 'app.js'), join(root, 'assets', 'link-in.js'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('static files: one traversal guard', () => {
  test.each([
    ['/assets/app.js', 'assets/app.js'],
    ['/assets/sub/x.css', 'assets/sub/x.css'],
    ['/assets/a%20b.js', 'assets/a b.js'],
    ['/assets/./app.js', 'assets/app.js'],
    ['//assets//app.js', 'assets/app.js'],
    ['/assets/link-in.js', 'assets/app.js'],
    ['/index.html', 'index.html'],
    ['/assets/../../secret.txt', null],
    ['/assets/..', null],
    ['/..', null],
    ['/assets/%2e%2e/%2e%2e/secret.txt', null],
    ['/assets/%2E%2E%2F%2E%2E%2Fsecret.txt', null],
    ['/assets/..%2f..%2fsecret.txt', null],
    ['/assets/%252e%252e/%252e%252e/secret.txt', null],
    ['/assets/..\\..\\secret.txt', null],
    ['/assets/%5c..%5c..%5csecret.txt', null],
    ['/assets/app.js%00.png', null],
    ['/assets/app.js\0', null],
    ['/assets/%E0%A4%A', null],
    [`/${'x'.repeat(3)}/../../secret.txt`, null],
    ['/assets/link-out.js', null],
    ['/assets/dir-out/o.js', null],
    ['/assets/missing.js', null],
    ['/assets', null],
    ['/assets/sub', null],
  ])('%p names %p', async (raw, expected) => {
    const got = await fileInRoot(root, raw);
    expect(got).toBe(expected === null ? null : join(root, expected).replace(/link-in\.js$/, 'app.js'));
  });

  test('absolute paths stay inside the root', async () => {
    expect(await fileInRoot(root, join(base, 'secret.txt'))).toBeNull();
    expect(await fileInRoot(root, '%2Fetc%2Fpasswd')).toBeNull();
    expect(await fileInRoot(root, `/${root}/index.html`.replace('//', '/'))).toBeNull();
  });

  test.each([
    ['http://h/assets/a%2e%2e?x=/../y', '/assets/a%2e%2e'],
    ['http://h/', '/'],
    ['http://h', '/'],
    ['http://h/a#b', '/a'],
  ])('rawPathOf(%p) is %p', (url, path) => {
    expect(rawPathOf(url)).toBe(path);
  });

  const app = () => {
    const a = createApi();
    serveStatic(a, {
      root,
      notBuilt: 'not built',
      transformIndex: (html) => html.replace('</head>', '<script>key</script></head>'),
      assetsCacheControl: 'public, max-age=60',
      spa: true,
      hosts: originPolicy([]),
    });
    return a;
  };

  test.each([
    ['/assets/app.js', 200, 'console.log(1)'],
    ['/assets/%2e%2e/%2e%2e/secret.txt', 404, null],
    ['/assets/link-out.js', 404, null],
    ['/assets/dir-out/o.js', 404, null],
    ['/deep/link', 200, '<script>key</script>'],
  ])('GET %s through serveStatic answers %i', async (path, status, body) => {
    const accept = path === '/deep/link' ? 'text/html' : 'application/json';
    const res = await app().request(`http://127.0.0.1${path}`, { headers: { accept } });
    expect(res.status).toBe(status);
    const text = await res.text();
    if (body) expect(text).toContain(body);
    expect(text).not.toContain('TOP-SECRET');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a raw request target with dot segments gets no file from outside the root', async () => {
    const a = app();
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: a.fetch });
    try {
      const ask = (target: string) =>
        new Promise<string>((resolve, reject) => {
          let got = '';
          Bun.connect({
            hostname: '127.0.0.1',
            port: server.port as number,
            socket: {
              open: (s) =>
                void s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
              data: (_s, d) => void (got += d.toString()),
              close: () => resolve(got),
              error: (_s, e) => reject(e),
            },
          }).catch(reject);
        });
      for (const target of [
        '/assets/../../secret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '/assets/..%2f..%2fsecret.txt',
      ]) {
        const answer = await ask(target);
        expect(answer).not.toContain('TOP-SECRET');
        expect(answer).not.toMatch(/^HTTP\/1\.1 5/);
      }
      expect(await ask('/assets/app.js')).toContain('console.log(1)');
    } finally {
      server.stop(true);
    }
  });
});
