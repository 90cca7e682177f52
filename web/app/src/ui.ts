// What every view shares: the main region, the status toast, badges, error boxes and the
// project names used to label rows.
import { ApiError, call, type Page } from './api';
import { h } from './dom';

export interface Project { id: string; name: string; status: string; description: string | null; created_at: string }

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
export const label = (v: string) => v.replace('_', ' ');

const main = document.getElementById('main')!;
const statusBox = document.getElementById('status')!;

let sayTimer = 0;
export function say(text: string) {
  statusBox.textContent = text;
  clearTimeout(sayTimer);
  sayTimer = window.setTimeout(() => { statusBox.textContent = ''; }, 5000);
}

/** The view that is showing; a view's timers stop when another view replaces it. */
let generation = 0;
export function currentView(): number { return generation; }

export function show(title: string, ...content: (Node | null)[]) {
  generation++;
  document.title = `${title} · vigil`;
  main.replaceChildren(...content.filter((c): c is Node => c !== null));
  main.focus({ preventScroll: true });
}

export function failure(e: unknown): HTMLElement {
  const text = e instanceof ApiError ? `${e.message}${e.problem.code ? ` (${e.problem.code})` : ''}` : String(e);
  return h('p', { class: 'error', role: 'alert' }, text);
}

export function badge(kind: string, value: string) {
  return h('span', { class: `badge ${kind}-${value}` }, label(value));
}

export let projectNames = new Map<string, string>();
export async function loadProjects(): Promise<Project[]> {
  const p = await call<Page<Project>>('GET', '/api/v1/projects?per_page=100&sort=name');
  projectNames = new Map(p.data.map((x) => [x.id, x.name]));
  return p.data;
}
