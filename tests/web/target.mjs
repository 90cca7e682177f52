// A small API for the dashboard's scans views to scan, on 127.0.0.1: two operations, one of
// which leaks a stack trace on a bad id (the scanner reports it). Under /slow every answer
// waits SLOW_MS first, so a scan of it is still running when the test cancels it (however
// slowly the machine gets there: the scan cannot finish first).
import { createServer } from 'node:http';

export const SLOW_MS = 20000;

export const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Inventory', version: '1.0.0' },
  paths: {
    '/items': { get: { operationId: 'listItems', responses: { 200: { description: 'items' } } } },
    '/items/{id}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { 200: { description: 'an item' }, 404: { description: 'none' } },
      },
    },
  },
}, null, 2);

function answer(req, res) {
  const path = req.url.replace(/^\/slow/, '').split('?')[0];
  const json = (code, body) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (path === '/items') return json(200, [{ id: 1, name: 'lamp' }, { id: 2, name: 'desk' }]);
  const m = path.match(/^\/items\/([^/]+)$/);
  if (m && /^\d+$/.test(m[1])) return m[1] === '1' ? json(200, { id: 1, name: 'lamp' }) : json(404, { error: 'not found' });
  if (m) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    return res.end(`Traceback (most recent call last):\n  File "/srv/inventory/app.py", line 42, in get_item\nValueError: invalid literal for int() with base 10: '${decodeURIComponent(m[1]).slice(0, 40)}'\n`);
  }
  json(404, { error: 'not found' });
}

export function startTarget() {
  const server = createServer((req, res) => {
    if (req.url.startsWith('/slow')) setTimeout(() => answer(req, res), SLOW_MS).unref();
    else answer(req, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    resolve({ base: `http://127.0.0.1:${port}`, stop: () => { server.closeAllConnections(); server.close(); } });
  }));
}
