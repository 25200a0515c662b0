// The city administration's modules (threat register ZeMAG, complaint procedure): what
// the signed-in person takes part in (GET /api/crisisroom/citystaff/me), the banners for
// supervisors, the ZKS and complaint management above every view, and helpers both
// views share. The server decides everything; this only offers what it allows.

import { api, auth, serverMessage, download } from './api.js';
import { t, addStrings, lang } from './i18n.js';
import { h } from './ui.js';
import { onSignIn, banner } from './shell.js';

addStrings({
  de: { cs_open: 'Öffnen', cs_seen: 'Gesehen', cs_bannerLabel: 'Hinweis für Sie' },
  en: { cs_open: 'Open', cs_seen: 'Seen', cs_bannerLabel: 'Notice for you' },
});

export const state = { modules: [] };

// refresh loads the person's modules, roles and open banners.
export async function refresh() {
  try { const r = await api.get('/api/crisisroom/citystaff/me'); state.modules = (r && r.modules) || []; } catch { /* keep what we had */ }
  return state.modules;
}

// moduleFor: the person's part in org's modules, or undefined.
export const moduleFor = orgId => state.modules.find(m => m.organisation === orgId);
export const hasRole = (m, r) => !!(m && (m.roles || []).includes(r));

// ensureStyles links the modules' stylesheet once (the CSP allows only files of the appliance).
export function ensureStyles() {
  if (!document.getElementById('citystaff-css')) document.head.append(h('link', { id: 'citystaff-css', rel: 'stylesheet', href: '/citystaff.css' }));
}

// download: one copy in api.js, re-exported for the city modules' views.
export { download };

// put sends a JSON PUT with the sign-in (api.js has no PUT); a refusal throws the server's words.
export async function put(path, body) {
  const a = auth();
  const res = await fetch(path, { method: 'PUT', headers: { 'Content-Type': 'application/json', ...(a ? { Authorization: a.token } : {}) }, body: JSON.stringify(body) });
  let out = null;
  try { out = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new Error(serverMessage(out, res.status));
  return out;
}

// blobURL fetches an image with the sign-in (the statistics chart) as a blob: URL.
export async function blobURL(path) {
  const a = auth();
  const res = await fetch(path, { headers: a ? { Authorization: a.token } : {} });
  if (!res.ok) throw new Error(res.statusText);
  return URL.createObjectURL(await res.blob());
}

if (auth()) await refresh();

// The server writes banner texts as "Deutsch / English": show the reader's half.
export const inLang = text => { const [de, en] = String(text || '').split(' / '); return lang() === 'en' && en ? en : de; };

const viewOf = kind => (kind === 'report' || kind === 'review_due') ? 'zemag' : 'complaints';

onSignIn.push(ctx => {
  let alive = true;
  const shown = new Set();
  async function show() {
    await refresh();
    if (!alive) return;
    const want = new Set();
    for (const m of state.modules) {
      for (const a of m.alerts || []) {
        want.add(a.id);
        if (shown.has(a.id)) continue;
        shown.add(a.id);
        const seen = async () => {
          try { await api.post(`/api/crisisroom/citystaff/alerts/${a.id}/seen`, {}); } catch { /* shown again next time */ }
          banner('cs-' + a.id, null); shown.delete(a.id);
        };
        ensureStyles();
        // A function: drawn again in the new language when the language changes.
        banner('cs-' + a.id, () => h('div.cs-banner', { role: 'alert', 'aria-label': t('cs_bannerLabel'), dataset: { alert: a.id, kind: a.kind } },
          h('span.cs-banner-text', inLang(a.text)),
          h('span.cs-banner-actions',
            h('button.btn.primary', { type: 'button', onclick: () => { ctx.navigate(viewOf(a.kind)); seen(); } }, t('cs_open')),
            h('button.btn', { type: 'button', onclick: seen }, t('cs_seen')))));
      }
    }
    for (const id of [...shown]) if (!want.has(id)) { banner('cs-' + id, null); shown.delete(id); }
  }
  const un = ctx.realtime.subscribe('citystaff/alerts', () => show());
  const off = ctx.realtime.onReconnect(() => show());
  // Reminders fall due with time, without an event: look again every minute.
  const timer = setInterval(() => { if (document.visibilityState === 'visible') show(); }, 60000);
  show();
  return () => { alive = false; un(); off(); clearInterval(timer); for (const id of shown) banner('cs-' + id, null); };
});
