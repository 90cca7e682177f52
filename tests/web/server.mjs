// Starts the real `vigil serve` on a free loopback port with a fresh database, reads the admin
// token it prints, and seeds a member user, a project, an asset and findings through the API.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASSWORD = 'amber-heron-lantern-77';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function startServer() {
  const bin = process.env.VIGIL_BIN || join(process.cwd(), 'build', 'vigil');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
  const port = await freePort();
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--database', `sqlite:${join(dir, 'vigil.db')}`],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VIGIL_RATE_STANDARD: '1000000/100000', VIGIL_RATE_ADMIN: '1000000/100000',
      VIGIL_RATE_ANONYMOUS: '1000000/100000',
      VIGIL_SCAN_ALLOW: '127.0.0.1/32', VIGIL_SCAN_WORKERS: '1' } }); // scans may reach the test's own target only
  const token = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = out.match(/vgl_live_[A-Za-z0-9]{38}/); if (m) resolve(m[0]); });
    proc.on('exit', (c) => reject(new Error(`vigil serve exited ${c}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) { try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not yet */ } await new Promise((r) => setTimeout(r, 50)); }
  const api = async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : r.json();
  };
  return { base, token, api, stop: () => new Promise((r) => { proc.on('exit', r); proc.kill('SIGTERM'); }) };
}

/** A member who signs in, a project with an asset, and `n` findings (one with a hostile title). */
export async function seed(api, n = 12) {
  const username = `web${Date.now().toString(36)}`;
  await api('POST', '/api/v1/users', { username, role: 'member', password: PASSWORD });
  const project = (await api('POST', '/api/v1/projects', { name: 'Payments API', description: 'The card payment service' })).data;
  const other = (await api('POST', '/api/v1/projects', { name: 'Marketing site' })).data;
  const asset = (await api('POST', '/api/v1/assets', { project_id: project.id, type: 'url', value: 'https://pay.example.test' })).data;
  const sev = ['critical', 'high', 'medium', 'low', 'info'];
  const findings = [];
  findings.push((await api('POST', '/api/v1/findings', {
    project_id: project.id, asset_id: asset.id, title: '<img src=x onerror=alert(1)>', severity: 'high', cwe: 'CWE-79',
    description: 'Reflected script in the search page.', evidence: { request: 'GET /search?q=<script>', response: '200 OK\n<script>', notes: null },
  })).data);
  for (let i = 1; i < n; i++)
    findings.push((await api('POST', '/api/v1/findings', {
      project_id: i % 4 === 0 ? other.id : project.id, title: `Finding number ${i}`, severity: sev[i % 5],
      cwe: i % 3 === 0 ? 'CWE-89' : 'CWE-200',
    })).data);
  return { username, project, other, asset, findings };
}
