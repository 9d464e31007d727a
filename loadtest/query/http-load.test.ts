import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { completeResponse, percentileOf, runLoad } from './http-load.js';

const head = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);

test('a response is complete once its Content-Length or last chunk has arrived, and not before', () => {
  const sized = Buffer.concat([head(['HTTP/1.1 200 OK', 'Content-Length: 5']), Buffer.from('hello'), head(['HTTP'])]);
  const answer = completeResponse(sized)!;
  assert.equal(answer.status, 200);
  assert.equal(answer.body.toString(), 'hello');
  assert.equal(sized.subarray(answer.length).toString().startsWith('HTTP'), true, 'the next response stays');
  assert.equal(completeResponse(sized.subarray(0, sized.indexOf('hello') + 3)), null);

  const chunked = Buffer.concat([
    head(['HTTP/1.1 404 Not Found', 'transfer-encoding: chunked']),
    Buffer.from('3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
  ]);
  const c = completeResponse(chunked)!;
  assert.deepEqual([c.status, c.body.toString(), c.length], [404, 'abcde', chunked.length]);
  assert.equal(completeResponse(chunked.subarray(0, chunked.length - 3)), null);
  assert.equal(completeResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le')), null);
});

test('a run counts every answer in its measured seconds, the ones other than 2xx apart', async (t) => {
  let served = 0;
  const server = http.createServer((request, response) => {
    served++;
    response.statusCode = request.url === '/missing' ? 404 : 200;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url, auth: request.headers.authorization }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const bodies: string[] = [];
  let marks = 0;
  const result = await runLoad({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    connections: 4,
    warmupMs: 100,
    durationMs: 1000,
    wantBody: true,
    onMeasureStart: () => marks++,
    onMeasureEnd: () => marks++,
    next: (connection, previous) => {
      if (previous) bodies.push(previous.body);
      return { path: connection === 0 ? '/missing' : `/ok/${connection}`, headers: { authorization: 'Bearer t' } };
    },
  });
  assert.equal(marks, 2);
  assert.ok(result.requests >= 4, `${result.requests} requests`);
  assert.ok(result.requests < served, 'the warm-up is not counted');
  assert.ok(result.non2xx > 0 && result.non2xx < result.requests, `${result.non2xx} of ${result.requests} non-2xx`);
  assert.equal(result.errors, 0);
  assert.equal(result.perSecond, result.requests);
  assert.deepEqual(JSON.parse(bodies.at(-1)!).auth, 'Bearer t');
  assert.ok(percentileOf(result.latenciesMs, 50) <= percentileOf(result.latenciesMs, 99));
});
