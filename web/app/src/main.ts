import './style.css';
import { call, qs, resume, setSignedOut, signIn, signInWithToken, signOut, type Page } from './api';
import { field, h, s, select } from './dom';
import { scanView, scansView } from './scans';
import { controlView, controlsView } from './controls';
import { badge, failure, label, loadProjects, projectNames, say, SEVERITIES, show, type Project } from './ui';

interface Finding {
  id: string; project_id: string; asset_id: string | null; title: string; severity: string;
  status: string; confidence: string; description: string | null; remediation: string | null;
  cwe: string | null; owasp: string | null; endpoint: string | null; cvss_score: number | null;
  risk_score: number; evidence: { request: string | null; response: string | null; notes: string | null };
  references: string[]; first_seen: string; last_seen: string; updated_at: string;
}
interface Change { from: string | null; to: string; at: string; actor: string }
interface Asset { id: string; project_id: string; type: string; value: string; criticality: string; tags: string[] }

const STATUSES = ['open', 'confirmed', 'remediated', 'accepted', 'false_positive'];
const nav = document.getElementById('nav')!;

// ---- sign-in --------------------------------------------------------------------------------

function loginView() {
  nav.hidden = true;
  const user = h('input', { name: 'username', autocomplete: 'username', required: true }) as HTMLInputElement;
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }) as HTMLInputElement;
  const out = h('div');
  const form = h('form', { class: 'card login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to vigil'),
    field('Username', user), field('Password', pass),
    h('button', { type: 'submit' }, 'Sign in'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      await signIn(user.value, pass.value);
      pass.value = '';
      if (location.hash === '#/findings') route();
      else location.hash = '#/findings';
    } catch (err) {
      out.replaceChildren(failure(err));
    }
  });
  const tokenInput = h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true }) as HTMLInputElement;
  const tokenOut = h('div');
  const tokenForm = h('form', { class: 'card login', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, 'Or use an API token'),
    h('p', {}, 'Kept in this page only: reloading signs you out.'),
    field('API token', tokenInput), h('button', { type: 'submit' }, 'Use token'), tokenOut);
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    tokenOut.replaceChildren();
    try {
      await signInWithToken(tokenInput.value);
      tokenInput.value = '';
      signedIn = true;
      if (location.hash === '#/findings') route();
      else location.hash = '#/findings';
    } catch (err) {
      tokenOut.replaceChildren(failure(err));
    }
  });
  show('Sign in', form, tokenForm);
  user.focus();
}

// ---- findings list --------------------------------------------------------------------------

function hashParams(): URLSearchParams {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

export function findingRows(findings: Finding[], selected: Set<string>): HTMLElement {
  const body = h('tbody');
  for (const f of findings) {
    const box = h('input', { type: 'checkbox', 'aria-label': `Select ${f.title}` }) as HTMLInputElement;
    box.checked = selected.has(f.id);
    box.addEventListener('change', () => (box.checked ? selected.add(f.id) : selected.delete(f.id)));
    body.append(h('tr', {},
      h('td', {}, box),
      h('td', {}, badge('sev', f.severity)),
      h('td', {}, h('a', { href: `#/findings/${f.id}` }, f.title)),
      h('td', {}, badge('st', f.status)),
      h('td', {}, projectNames.get(f.project_id) ?? f.project_id),
      h('td', {}, f.cwe ?? ''),
      h('td', { class: 'num' }, f.risk_score),
      h('td', {}, f.last_seen.slice(0, 10))));
  }
  return body;
}

async function findingsView() {
  const p = hashParams();
  const want = {
    severity: p.get('severity') ?? '', status: p.get('status') ?? '', project_id: p.get('project_id') ?? '',
    cwe: p.get('cwe') ?? '', search: p.get('search') ?? '', sort: p.get('sort') ?? '-severity',
    page: p.get('page') ?? '1', per_page: p.get('per_page') ?? '25',
  };
  const projects = await loadProjects();
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter findings' },
    field('Search', h('input', { name: 'search', type: 'search', value: want.search })),
    field('Severity', select('severity', [['', 'Any'], ...SEVERITIES.map((v): [string, string] => [v, label(v)])], want.severity)),
    field('Status', select('status', [['', 'Any'], ...STATUSES.map((v): [string, string] => [v, label(v)])], want.status)),
    field('Project', select('project_id', [['', 'Any'], ...projects.map((x): [string, string] => [x.id, x.name])], want.project_id)),
    field('CWE', h('input', { name: 'cwe', value: want.cwe, placeholder: 'CWE-79', size: 9 })),
    field('Sort', select('sort', [['-severity', 'Severity'], ['-risk_score', 'Risk'], ['-last_seen', 'Last seen'], ['title', 'Title']], want.sort)),
    h('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form).entries()) if (v) next.set(k, String(v));
    location.hash = `#/findings?${next}`;
  });

  let page: Page<Finding>;
  try {
    page = await call<Page<Finding>>('GET', `/api/v1/findings${qs(want)}`);
    performance.mark('findings-data'); // bench/web measures from here to findings-rendered
  } catch (e) {
    show('Findings', h('h1', {}, 'Findings'), form, failure(e));
    return;
  }
  const selected = new Set<string>();
  const bulkStatus = select('bulk-status', STATUSES.map((v): [string, string] => [v, label(v)]), 'confirmed');
  const bulk = h('form', { class: 'bulk', 'aria-label': 'Bulk status change' },
    field('Set status of selected', bulkStatus), h('button', { type: 'submit' }, 'Change status'));
  bulk.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!selected.size) { say('Select findings first.'); return; }
    try {
      for (const id of selected) await call('PATCH', `/api/v1/findings/${id}`, { status: bulkStatus.value });
      say(`${selected.size} finding(s) set to ${label(bulkStatus.value)}.`);
      findingsView();
    } catch (err) { bulk.append(failure(err)); }
  });
  const table = h('table', { class: 'list' },
    h('caption', {}, `${page.meta.total} finding(s), page ${page.meta.page} of ${Math.max(page.meta.pages, 1)}`),
    h('thead', {}, h('tr', {}, ...['', 'Severity', 'Title', 'Status', 'Project', 'CWE', 'Risk', 'Last seen'].map((t) => h('th', { scope: 'col' }, t)))),
    findingRows(page.data, selected));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const link = (n: number, text: string) => {
    const q = hashParams(); q.set('page', String(n));
    return h('a', { href: `#/findings?${q}` }, text);
  };
  if (page.meta.page > 1) pager.append(link(page.meta.page - 1, '← Previous'));
  if (page.meta.page < page.meta.pages) pager.append(link(page.meta.page + 1, 'Next →'));
  show('Findings', h('h1', {}, 'Findings'), form, bulk,
    page.data.length ? h('div', { class: 'scroll' }, table) : h('p', {}, 'No findings match.'), pager);
  performance.mark('findings-rendered');
}

// ---- one finding ----------------------------------------------------------------------------

async function findingView(id: string) {
  let f: Finding, history: Change[];
  try {
    [f, history] = await Promise.all([
      call<{ data: Finding }>('GET', `/api/v1/findings/${id}`).then((r) => r.data),
      call<{ data: Change[] }>('GET', `/api/v1/findings/${id}/history`).then((r) => r.data),
      loadProjects(),
    ]) as [Finding, Change[], unknown] as unknown as [Finding, Change[]];
  } catch (e) {
    show('Finding', h('h1', {}, 'Finding'), failure(e));
    return;
  }
  const dl = h('dl', { class: 'facts' });
  const fact = (k: string, v: Node | string | number | null) => { if (v !== null && v !== '') dl.append(h('dt', {}, k), h('dd', {}, v)); };
  fact('Severity', badge('sev', f.severity));
  fact('Status', badge('st', f.status));
  fact('Project', h('a', { href: `#/projects/${f.project_id}` }, projectNames.get(f.project_id) ?? f.project_id));
  fact('Confidence', f.confidence);
  fact('CWE', f.cwe); fact('OWASP', f.owasp); fact('Endpoint', f.endpoint);
  fact('CVSS', f.cvss_score); fact('Risk score', f.risk_score);
  fact('First seen', f.first_seen); fact('Last seen', f.last_seen);

  const ev = h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'Evidence'));
  for (const [k, v] of [['Request', f.evidence.request], ['Response', f.evidence.response], ['Notes', f.evidence.notes]] as const)
    if (v) ev.append(h('h3', {}, k), h('pre', {}, v));
  if (ev.childElementCount === 1) ev.append(h('p', {}, 'No evidence recorded.'));

  const hist = h('ol', { class: 'history', 'aria-label': 'Status history' });
  for (const c of history)
    hist.append(h('li', {}, h('time', { datetime: c.at }, c.at.replace('T', ' ').replace('Z', ' UTC')), ' ',
      c.from ? `${label(c.from)} → ${label(c.to)}` : `created as ${label(c.to)}`, ` by ${c.actor}`));

  const to = select('status', STATUSES.map((v): [string, string] => [v, label(v)]), f.status);
  const comment = h('textarea', { name: 'comment', rows: 3 }) as HTMLTextAreaElement;
  const out = h('div');
  const change = h('form', { class: 'card', 'aria-labelledby': 'chg-h' },
    h('h2', { id: 'chg-h' }, 'Change status'), field('New status', to),
    field('Comment (added to the evidence notes)', comment), h('button', { type: 'submit' }, 'Save'), out);
  change.addEventListener('submit', async (e) => {
    e.preventDefault();
    const patch: Record<string, unknown> = { status: to.value };
    if (comment.value.trim()) {
      const line = `[${new Date().toISOString()}] status → ${label(to.value)}: ${comment.value.trim()}`;
      patch.evidence = { notes: f.evidence.notes ? `${f.evidence.notes}\n${line}` : line };
    }
    try {
      await call('PATCH', `/api/v1/findings/${id}`, patch);
      say(`Status set to ${label(to.value)}.`);
      findingView(id);
    } catch (err) { out.replaceChildren(failure(err)); }
  });

  show(f.title,
    h('p', {}, h('a', { href: '#/findings' }, '← All findings')),
    h('h1', {}, f.title), dl,
    f.description ? h('section', {}, h('h2', {}, 'Description'), h('p', {}, f.description)) : null,
    f.remediation ? h('section', {}, h('h2', {}, 'Remediation'), h('p', {}, f.remediation)) : null,
    ev, h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, 'History'), hist), change);
}

// ---- projects and assets, and a project's overview ------------------------------------------

async function projectsView() {
  let projects: Project[], assets: Page<Asset>;
  try {
    [projects, assets] = await Promise.all([loadProjects(), call<Page<Asset>>('GET', '/api/v1/assets?per_page=100')]);
  } catch (e) {
    show('Projects', h('h1', {}, 'Projects'), failure(e));
    return;
  }
  const list = h('ul', { class: 'projects' });
  for (const p of projects) {
    const mine = assets.data.filter((a) => a.project_id === p.id);
    list.append(h('li', { class: 'card' },
      h('h2', {}, h('a', { href: `#/projects/${p.id}` }, p.name)), badge('st', p.status),
      p.description ? h('p', {}, p.description) : null,
      h('p', {}, `${mine.length} asset(s)`),
      mine.length ? h('ul', { class: 'assets' }, ...mine.map((a) => h('li', {}, `${a.type}: `, h('code', {}, a.value), ` (${a.criticality})`))) : null));
  }
  show('Projects', h('h1', {}, 'Projects and assets'), projects.length ? list : h('p', {}, 'No projects yet.'));
}

export function severityChart(counts: number[]): SVGElement {
  const w = 420, bar = 28, gap = 10, left = 80, max = Math.max(1, ...counts);
  const svg = s('svg', { viewBox: `0 0 ${w} ${SEVERITIES.length * (bar + gap)}`, role: 'img', 'aria-labelledby': 'chart-t', class: 'chart' },
    s('title', { id: 'chart-t' }, `Open findings by severity: ${SEVERITIES.map((v, i) => `${v} ${counts[i]}`).join(', ')}`));
  SEVERITIES.forEach((sev, i) => {
    const y = i * (bar + gap), len = Math.round(((w - left - 40) * counts[i]) / max);
    svg.append(s('text', { x: 0, y: y + bar * 0.7, class: 'axis' }, sev),
      s('rect', { x: left, y, width: Math.max(len, 1), height: bar, class: `bar sev-${sev}` }),
      s('text', { x: left + len + 6, y: y + bar * 0.7, class: 'axis' }, counts[i]));
  });
  return svg;
}

export const TREND_WEEKS = 8;
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z'); // whole seconds, as the API's lists take them

/** Findings recorded in each of the last TREND_WEEKS weeks (oldest first), as bars. */
export function trendChart(weeks: { start: Date; count: number }[]): SVGElement {
  const w = 420, ht = 140, base = 110, max = Math.max(1, ...weeks.map((x) => x.count));
  const step = w / weeks.length, bw = step * 0.6;
  const svg = s('svg', { viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-labelledby': 'trend-t', class: 'trend' },
    s('title', { id: 'trend-t' }, `Findings recorded per week: ${weeks.map((x) => `week of ${x.start.toISOString().slice(0, 10)} ${x.count}`).join(', ')}`));
  weeks.forEach((x, i) => {
    const bh = Math.round(((base - 16) * x.count) / max), cx = i * step + (step - bw) / 2;
    svg.append(s('rect', { x: cx, y: base - Math.max(bh, 1), width: bw, height: Math.max(bh, 1), class: 'bar' }),
      s('text', { x: cx, y: base - bh - 4, class: 'axis' }, x.count),
      s('text', { x: cx, y: base + 16, class: 'axis' }, x.start.toISOString().slice(5, 10)));
  });
  return svg;
}

async function overviewView(id: string) {
  let project: Project, counts: number[], assets: Page<Asset>, weekly: number[];
  const DAY = 86400000, now = Date.now();
  const weekStarts = Array.from({ length: TREND_WEEKS }, (_, i) => new Date(now - (TREND_WEEKS - i) * 7 * DAY));
  try {
    const total = (q: Record<string, string | number>) => call<Page<Finding>>('GET', `/api/v1/projects/${id}/findings${qs({ ...q, per_page: 1 })}`).then((r) => r.meta.total);
    const one = (sev: string) => total({ status: 'open', severity: sev });
    const week = (start: Date) => total({ created_after: rfc3339(start), created_before: rfc3339(new Date(start.getTime() + 7 * DAY)) });
    let rest: number[];
    [project, assets, ...rest] = await Promise.all([
      call<{ data: Project }>('GET', `/api/v1/projects/${id}`).then((r) => r.data),
      call<Page<Asset>>('GET', `/api/v1/projects/${id}/assets?per_page=100`),
      ...SEVERITIES.map(one), ...weekStarts.map(week)]) as unknown as [Project, Page<Asset>, ...number[]];
    counts = rest.slice(0, SEVERITIES.length);
    weekly = rest.slice(SEVERITIES.length);
  } catch (e) {
    show('Project', h('h1', {}, 'Project'), failure(e));
    return;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  show(project.name,
    h('p', {}, h('a', { href: '#/projects' }, '← All projects')),
    h('h1', {}, project.name),
    h('section', { class: 'card', 'aria-labelledby': 'ov-h' }, h('h2', { id: 'ov-h' }, `Open findings: ${total}`), severityChart(counts),
      h('p', {}, h('a', { href: `#/findings?project_id=${id}&status=open` }, 'See the open findings'))),
    h('section', { class: 'card', 'aria-labelledby': 'tr-h' }, h('h2', { id: 'tr-h' }, `Findings recorded per week, last ${TREND_WEEKS} weeks`),
      trendChart(weekStarts.map((start, i) => ({ start, count: weekly[i] })))),
    h('section', { 'aria-labelledby': 'as-h' }, h('h2', { id: 'as-h' }, 'Assets'),
      assets.data.length ? h('ul', { class: 'assets' }, ...assets.data.map((a) => h('li', {}, `${a.type}: `, h('code', {}, a.value), ` (${a.criticality})`))) : h('p', {}, 'No assets.')));
}

// ---- routing --------------------------------------------------------------------------------

let signedIn = false;
setSignedOut(() => { signedIn = false; location.hash = '#/login'; });

async function route() {
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/findings';
  if (!signedIn) signedIn = await resume();
  if (!signedIn || path === '/login') { if (signedIn) { location.hash = '#/findings'; return; } loginView(); return; }
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#${path.split('/').slice(0, 2).join('/')}`);
  const m = path.match(/^\/(findings|projects|scans|controls)(?:\/([\w.-]+))?$/);
  if (m?.[1] === 'findings') return m[2] ? findingView(m[2]) : findingsView();
  if (m?.[1] === 'scans') return m[2] ? scanView(m[2]) : scansView();
  if (m?.[1] === 'projects') return m[2] ? overviewView(m[2]) : projectsView();
  if (m?.[1] === 'controls') return m[2] ? controlView(m[2]) : controlsView();
  location.hash = '#/findings';
}

document.getElementById('logout')!.addEventListener('click', async () => {
  try { await signOut(); } finally { signedIn = false; say('Signed out.'); location.hash = '#/login'; }
});
window.addEventListener('hashchange', route);
route();
