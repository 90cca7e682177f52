// Server-launched scans: the list with a form that starts one, and a scan's page with its live
// progress (polled once a second while it is queued or running, the rate at which the server
// updates it), a cancel button and its report in each format.
import { call, qs, type Page } from './api';
import { field, h, select } from './dom';
import { badge, currentView, failure, loadProjects, projectNames, say, SEVERITIES, show } from './ui';

export interface Scan {
  scan_id: string; status: string; target: string; project_id: string | null;
  progress: { endpoints_discovered: number; endpoints_tested: number; requests_sent: number; findings: number };
  created_at: string; started_at: string | null; completed_at: string | null;
  summary: Record<string, number> | null; exit_status: number | null; error: string | null;
}

const SCAN_STATUSES = ['queued', 'running', 'complete', 'failed', 'cancelled'];
const REPORT_FORMATS: [string, string, string][] = [
  ['json', 'JSON', 'json'], ['sarif', 'SARIF', 'sarif'], ['markdown', 'Markdown', 'md'],
  ['html', 'HTML', 'html'], ['junit', 'JUnit XML', 'xml']];
const POLL_MS = 1000;
const live = (s: Scan) => s.status === 'queued' || s.status === 'running';
const when = (t: string | null) => (t ? t.replace('T', ' ').replace('Z', ' UTC') : '');

function hashParams(): URLSearchParams {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

function startForm(projects: { id: string; name: string }[]): HTMLElement {
  const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://api.example.test' }) as HTMLInputElement;
  const specUrl = h('input', { name: 'spec_url', type: 'url', placeholder: 'https://api.example.test/openapi.json' }) as HTMLInputElement;
  const spec = h('textarea', { name: 'spec', rows: 5, spellcheck: 'false' }) as HTMLTextAreaElement;
  const project = select('project_id', [['', 'None'], ...projects.map((p): [string, string] => [p.id, p.name])], '');
  const failOn = select('fail_on', [...SEVERITIES.map((v): [string, string] => [v, v]), ['none', 'never']], 'high');
  const out = h('div');
  const form = h('form', { class: 'card', 'aria-labelledby': 'start-h' },
    h('h2', { id: 'start-h' }, 'Start a scan'),
    field('Target URL', url),
    field('OpenAPI document URL', specUrl),
    field('…or the OpenAPI document (JSON or YAML)', spec),
    h('div', { class: 'row' }, field('Project (its findings land there)', project), field('Fail on', failOn)),
    h('button', { type: 'submit' }, 'Start scan'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren();
    if (!specUrl.value && !spec.value.trim()) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Give the OpenAPI document, by URL or as text.'));
      return;
    }
    const body: Record<string, unknown> = { url: url.value, options: { fail_on: failOn.value } };
    if (specUrl.value) body.spec_url = specUrl.value; else body.spec = spec.value;
    if (project.value) body.project_id = project.value;
    try {
      const r = await call<{ data: { scan_id: string } }>('POST', '/api/v1/scans', body);
      say('Scan queued.');
      location.hash = `#/scans/${r.data.scan_id}`;
    } catch (err) { out.replaceChildren(failure(err)); }
  });
  return form;
}

export async function scansView() {
  const p = hashParams();
  const want = { status: p.get('status') ?? '', page: p.get('page') ?? '1', per_page: '25', sort: '-created_at' };
  let page: Page<Scan>, projects;
  try {
    [page, projects] = await Promise.all([call<Page<Scan>>('GET', `/api/v1/scans${qs(want)}`), loadProjects()]);
  } catch (e) {
    show('Scans', h('h1', {}, 'Scans'), failure(e));
    return;
  }
  const filter = h('form', { class: 'filters', 'aria-label': 'Filter scans' },
    field('Status', select('status', [['', 'Any'], ...SCAN_STATUSES.map((v): [string, string] => [v, v])], want.status)),
    h('button', { type: 'submit' }, 'Apply'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const st = (filter.querySelector('select') as HTMLSelectElement).value;
    location.hash = st ? `#/scans?status=${st}` : '#/scans';
  });
  const body = h('tbody');
  for (const s of page.data)
    body.append(h('tr', {},
      h('td', {}, badge('scan', s.status)),
      h('td', {}, h('a', { href: `#/scans/${s.scan_id}` }, s.target)),
      h('td', {}, s.project_id ? projectNames.get(s.project_id) ?? s.project_id : ''),
      h('td', { class: 'num' }, s.progress.requests_sent),
      h('td', { class: 'num' }, s.progress.findings),
      h('td', {}, when(s.created_at))));
  const table = h('table', { class: 'list' },
    h('caption', {}, `${page.meta.total} scan(s), page ${page.meta.page} of ${Math.max(page.meta.pages, 1)}`),
    h('thead', {}, h('tr', {}, ...['Status', 'Target', 'Project', 'Requests', 'Findings', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const link = (n: number, text: string) => { const q = hashParams(); q.set('page', String(n)); return h('a', { href: `#/scans?${q}` }, text); };
  if (page.meta.page > 1) pager.append(link(page.meta.page - 1, '← Previous'));
  if (page.meta.page < page.meta.pages) pager.append(link(page.meta.page + 1, 'Next →'));
  show('Scans', h('h1', {}, 'Scans'), startForm(projects), filter,
    page.data.length ? h('div', { class: 'scroll' }, table) : h('p', {}, 'No scans yet.'), pager);
}

function progressPart(s: Scan): HTMLElement {
  const { endpoints_discovered: found, endpoints_tested: tested } = s.progress;
  const bar = h('progress', { max: Math.max(found, 1), value: live(s) ? tested : Math.max(found, 1), 'aria-labelledby': 'prog-h' });
  if (s.status === 'queued') bar.removeAttribute('value'); // indeterminate until a worker starts it
  return h('section', { class: 'card', 'aria-labelledby': 'prog-h' },
    h('h2', { id: 'prog-h' }, 'Progress'), bar,
    h('p', {}, `${tested} of ${found} endpoint(s) tested, ${s.progress.requests_sent} request(s) sent, ${s.progress.findings} finding(s).`));
}

function reportPart(s: Scan): HTMLElement | null {
  if (s.status !== 'complete') return null;
  return h('section', { 'aria-labelledby': 'rep-h' }, h('h2', { id: 'rep-h' }, 'Report'),
    h('ul', { class: 'formats' }, ...REPORT_FORMATS.map(([fmt, name, ext]) => h('li', {},
      h('a', { href: `/api/v1/scans/${s.scan_id}/report?format=${fmt}`, download: `vigil-${s.scan_id}.${ext}` }, name)))));
}

export async function scanView(id: string) {
  let s: Scan;
  try {
    [s] = await Promise.all([call<{ data: Scan }>('GET', `/api/v1/scans/${id}`).then((r) => r.data), loadProjects()]);
  } catch (e) {
    show('Scan', h('h1', {}, 'Scan'), failure(e));
    return;
  }
  const dl = h('dl', { class: 'facts' });
  const fact = (k: string, v: Node | string | number | null) => { if (v !== null && v !== '') dl.append(h('dt', {}, k), h('dd', {}, v)); };
  fact('Status', badge('scan', s.status));
  fact('Target', h('code', {}, s.target));
  if (s.project_id) fact('Project', h('a', { href: `#/projects/${s.project_id}` }, projectNames.get(s.project_id) ?? s.project_id));
  fact('Created', when(s.created_at)); fact('Started', when(s.started_at)); fact('Finished', when(s.completed_at));
  if (s.summary) fact('Findings by severity', SEVERITIES.filter((v) => s.summary![v]).map((v) => `${v} ${s.summary![v]}`).join(', ') || 'none');
  if (s.exit_status !== null) fact('CI gate', s.exit_status === 0 ? 'passes (exit 0)' : 'fails (exit 1)');
  const out = h('div');
  let cancel: HTMLElement | null = null;
  if (live(s)) {
    cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel scan');
    cancel.addEventListener('click', async () => {
      try { await call('DELETE', `/api/v1/scans/${id}`); say('Cancelling the scan.'); scanView(id); } catch (err) { out.replaceChildren(failure(err)); }
    });
  }
  let prog = progressPart(s);
  show(`Scan of ${s.target}`,
    h('p', {}, h('a', { href: '#/scans' }, '← All scans')),
    h('h1', {}, `Scan of ${s.target}`), dl,
    s.error ? h('p', { class: 'error', role: 'alert' }, s.error) : null,
    prog, cancel, out, reportPart(s),
    s.project_id && s.status === 'complete' ? h('p', {}, h('a', { href: `#/findings?project_id=${s.project_id}` }, 'See the project\'s findings')) : null);
  if (!live(s)) return;
  // Poll while the view is showing: progress is updated in place (focus stays where the user
  // put it); a change of status renders the page anew.
  const mine = currentView();
  const poll = async () => {
    if (currentView() !== mine) return;
    try {
      const next = (await call<{ data: Scan }>('GET', `/api/v1/scans/${id}`)).data;
      if (currentView() !== mine) return;
      if (next.status !== s.status) { scanView(id); return; }
      const fresh = progressPart(next);
      prog.replaceWith(fresh);
      prog = fresh;
    } catch (err) { out.replaceChildren(failure(err)); return; }
    window.setTimeout(poll, POLL_MS);
  };
  window.setTimeout(poll, POLL_MS);
}
