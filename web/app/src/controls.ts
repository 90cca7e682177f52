// Compliance controls: every framework's counts, the controls filtered by framework and status,
// and a control's page with the open findings that put it at risk, its evidence (add a note or
// a link, download a file) and its manual status with a reason.
import { call, qs, type Page } from './api';
import { field, h, select } from './dom';
import { badge, failure, say, show } from './ui';

export const CONTROL_STATUSES = ['at_risk', 'implemented', 'not_assessed', 'not_applicable'];

interface Framework { id: string; name: string; edition: string; controls: number; status_counts: Record<string, number> }
interface Control {
  id: string; framework: string; framework_name: string; reference: string; name: string; description: string;
  cwes: string[]; owasp: string[]; status: string; derived_status: string;
  manual_status: { status: string; reason: string; set_by: string | null; set_at: string } | null;
  evidence_count: number; open_findings: number; at_risk_findings: number;
}
interface ControlFinding { id: string; title: string; severity: string; status: string; cwe: string | null; owasp: string | null; endpoint: string | null }
interface ControlDetail extends Control { findings: ControlFinding[] | null; findings_truncated: boolean }
interface Evidence {
  id: string; kind: string; note: string | null; url: string | null; filename: string | null;
  size: number; created_by: string | null; created_at: string; download_url: string | null;
}

function hashParams(): URLSearchParams {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

export async function controlsView() {
  const p = hashParams();
  const want = { framework: p.get('framework') ?? '', status: p.get('status') ?? '', per_page: 100 };
  let frameworks: Framework[], controls: Page<Control>;
  try {
    [frameworks, controls] = await Promise.all([
      call<{ data: Framework[] }>('GET', '/api/v1/frameworks').then((r) => r.data),
      call<Page<Control>>('GET', `/api/v1/controls${qs({ framework: want.framework || undefined, status: want.status || undefined, per_page: 100 })}`)]);
  } catch (e) {
    show('Controls', h('h1', {}, 'Controls'), failure(e));
    return;
  }
  const cards = h('ul', { class: 'frameworks' }, ...frameworks.map((f) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: `#/controls?framework=${f.id}` }, f.name)), h('p', {}, f.edition),
    h('p', {}, ...CONTROL_STATUSES.filter((s) => f.status_counts[s]).flatMap((s) => [badge('ctl', s), ` ${f.status_counts[s]} `])))));
  const filter = h('form', { class: 'filters', 'aria-label': 'Filter controls' },
    field('Framework', select('framework', [['', 'Any'], ...frameworks.map((f): [string, string] => [f.id, f.name])], want.framework)),
    field('Control status', select('status', [['', 'Any'], ...CONTROL_STATUSES.map((v): [string, string] => [v, v.replace('_', ' ')])], want.status)),
    h('button', { type: 'submit' }, 'Apply'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const el of filter.querySelectorAll('select')) if ((el as HTMLSelectElement).value) q.set((el as HTMLSelectElement).name, (el as HTMLSelectElement).value);
    location.hash = `#/controls${q.toString() ? `?${q}` : ''}`;
  });
  const body = h('tbody');
  for (const c of controls.data)
    body.append(h('tr', {},
      h('td', {}, c.framework_name),
      h('td', {}, h('code', {}, c.reference)),
      h('td', {}, h('a', { href: `#/controls/${c.id}` }, c.name)),
      h('td', {}, badge('ctl', c.status)),
      h('td', { class: 'num' }, c.at_risk_findings),
      h('td', { class: 'num' }, c.open_findings),
      h('td', { class: 'num' }, c.evidence_count)));
  const table = h('table', { class: 'list' },
    h('caption', {}, `${controls.meta.total} control(s)`),
    h('thead', {}, h('tr', {}, ...['Framework', 'Control', 'Name', 'Status', 'High/critical open', 'Open findings', 'Evidence'].map((t) => h('th', { scope: 'col' }, t)))),
    body);
  show('Controls', h('h1', {}, 'Compliance controls'), cards, filter,
    controls.data.length ? h('div', { class: 'scroll' }, table) : h('p', {}, 'No control matches.'));
}

function evidencePart(id: string, items: Evidence[], reload: () => void): HTMLElement {
  const note = h('textarea', { name: 'note', rows: 3, required: true }) as HTMLTextAreaElement;
  const url = h('input', { name: 'url', type: 'url', placeholder: 'https://wiki.example.test/policy' }) as HTMLInputElement;
  const out = h('div');
  const form = h('form', { class: 'card', 'aria-labelledby': 'ev-add-h' },
    h('h3', { id: 'ev-add-h' }, 'Add evidence'), field('Evidence note', note), field('Link (optional)', url),
    h('button', { type: 'submit' }, 'Add evidence'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await call('POST', `/api/v1/controls/${id}/evidence`, url.value ? { note: note.value, url: url.value } : { note: note.value });
      say('Evidence added.');
      reload();
    } catch (err) { out.replaceChildren(failure(err)); }
  });
  const list = h('ul', { class: 'evidence', 'aria-label': 'Evidence' }, ...items.map((e) => h('li', {},
    h('strong', {}, e.kind), ' ', e.note ?? '', ' ',
    e.url ? h('a', { href: e.url, rel: 'noopener noreferrer', target: '_blank' }, e.url) : null,
    e.download_url ? h('a', { href: e.download_url, download: e.filename ?? e.id }, `${e.filename} (${e.size} bytes)`) : null,
    h('span', { class: 'muted' }, ` ${e.created_at.replace('T', ' ').replace('Z', ' UTC')}`))));
  return h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, `Evidence (${items.length})`),
    items.length ? list : h('p', {}, 'No evidence yet.'), form);
}

function statusForm(c: ControlDetail, reload: () => void): HTMLElement {
  const status = select('manual', [['', 'Derived (no manual status)'], ...CONTROL_STATUSES.map((v): [string, string] => [v, v.replace('_', ' ')])], c.manual_status?.status ?? '');
  const reason = h('input', { name: 'reason', type: 'text', maxlength: 2000, value: c.manual_status?.reason ?? '' }) as HTMLInputElement;
  const out = h('div');
  const form = h('form', { class: 'card', 'aria-labelledby': 'ms-h' },
    h('h3', { id: 'ms-h' }, 'Manual status'), field('Set status by hand', status), field('Reason', reason),
    h('button', { type: 'submit' }, 'Set status'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await call('PATCH', `/api/v1/controls/${c.id}`, status.value ? { status: status.value, reason: reason.value } : { status: null });
      say('Control status saved.');
      reload();
    } catch (err) { out.replaceChildren(failure(err)); }
  });
  return form;
}

export async function controlView(id: string) {
  let c: ControlDetail, evidence: Page<Evidence>;
  try {
    [c, evidence] = await Promise.all([
      call<{ data: ControlDetail }>('GET', `/api/v1/controls/${id}`).then((r) => r.data),
      call<Page<Evidence>>('GET', `/api/v1/controls/${id}/evidence?per_page=100`)]);
  } catch (e) {
    show('Control', h('h1', {}, 'Control'), failure(e));
    return;
  }
  const reload = () => controlView(id);
  const dl = h('dl', { class: 'facts' });
  const fact = (k: string, v: Node | string | number) => dl.append(h('dt', {}, k), h('dd', {}, v));
  fact('Status', badge('ctl', c.status));
  fact('From findings and evidence', c.derived_status.replace('_', ' '));
  if (c.manual_status) fact('Set by hand', `${c.manual_status.status.replace('_', ' ')}: ${c.manual_status.reason}`);
  if (c.manual_status && c.manual_status.status !== c.status)
    fact('Note', 'A status set by hand cannot hide an open high or critical finding: only not applicable outranks at risk.');
  fact('Framework', `${c.framework_name} ${c.reference}`);
  fact('Open findings', `${c.open_findings} (${c.at_risk_findings} high or critical)`);
  if (c.cwes.length) fact('CWEs', c.cwes.join(', '));
  if (c.owasp.length) fact('OWASP', c.owasp.join(', '));
  const findings = c.findings === null ? h('p', {}, 'Your role cannot read findings.')
    : c.findings.length === 0 ? h('p', {}, 'No open finding maps to this control.')
      : h('ul', { class: 'findings', 'aria-label': 'Open findings' }, ...c.findings.map((f) => h('li', {},
        badge('sev', f.severity), ' ', h('a', { href: `#/findings/${f.id}` }, f.title), ' ', f.cwe ?? f.owasp ?? '')));
  show(`${c.reference} ${c.name}`,
    h('p', {}, h('a', { href: '#/controls' }, '← All controls')),
    h('h1', {}, `${c.framework_name} ${c.reference}: ${c.name}`),
    h('p', {}, c.description), dl,
    h('section', { 'aria-labelledby': 'cf-h' }, h('h2', { id: 'cf-h' }, 'Open findings that map to it'), findings,
      c.findings_truncated ? h('p', {}, 'Only the 100 most severe are listed.') : null),
    evidencePart(id, evidence.data, reload), statusForm(c, reload));
}
