// The second operator's banner: an outdoor siren sounds only when a second host operator
// confirms it within two minutes. Every host operator but the one who sounded it sees a
// banner with "Freigeben" above every view, with a tone, until it is confirmed, stopped
// or expired (the server decides who may confirm; this only offers it).

import { t, addStrings } from './i18n.js';
import { h, fmtTime, icon } from './ui.js';
import { alertTone } from './tone.js';
import { onSignIn, banner } from './shell.js';
import { releaseDialog } from './views/sirens.js';

addStrings({
  de: { rel_waiting: '{name}: {signal} für {n} Sekunden wartet auf Freigabe durch eine zweite Person (bis {time}).', rel_release: 'Freigeben …', rel_by: 'ausgelöst von {name} um {time}' },
  en: { rel_waiting: '{name}: {signal} for {n} seconds waits for a second person to confirm (until {time}).', rel_release: 'Confirm …', rel_by: 'sounded by {name} at {time}' },
});

onSignIn.push(ctx => {
  if (!ctx.hostOperator) return;
  const shown = new Set();
  let alive = true, timer = 0;
  const who = (a, f) => { const u = a.expand && a.expand[f]; return u ? (u.name || u.username) : ''; };
  async function refresh() {
    let items = [];
    try {
      const q = encodeURIComponent(`state = 'pending'`);
      const r = await ctx.api.get(`/api/collections/siren_activations/records?perPage=20&sort=created&filter=${q}&expand=device,requested_by`);
      items = (r && r.items) || [];
    } catch { return; }
    if (!alive) return;
    const now = Date.now();
    const wanted = items.filter(a => a.requested_by !== ctx.me.id && !a.confirmed_by && (!a.confirm_by || new Date(a.confirm_by.replace(' ', 'T')).getTime() > now));
    const ids = new Set(wanted.map(a => a.id));
    for (const id of shown) if (!ids.has(id)) { banner('release-' + id, null); shown.delete(id); }
    for (const a of wanted) {
      const name = (a.expand && a.expand.device && (a.expand.device.name || a.expand.device.username)) || '';
      const n = a.duration;
      // Releasing sounds the siren: the same deliberate act as sounding it (a dialog that
      // names signal, duration and who asked, then holding the button). A function: the
      // shell draws it again in the new language when the language changes.
      banner('release-' + a.id, () => h('div.release-banner', { role: 'alert', dataset: { activation: a.id } },
        h('span', icon('siren', 18), ' ', t('rel_waiting', { name, signal: t('sir_' + a.signal), n, time: fmtTime(a.confirm_by) }),
          who(a, 'requested_by') ? ' · ' + t('rel_by', { name: who(a, 'requested_by'), time: fmtTime(a.created) }) : ''),
        h('button.btn.release', { type: 'button', onclick: () => releaseDialog(ctx, a, refresh) }, t('rel_release'))));
      if (!shown.has(a.id)) { shown.add(a.id); alertTone(); }
    }
    clearInterval(timer);
    // The deadline passes without an event: look again while something waits.
    if (shown.size) timer = setInterval(refresh, 5000);
  }
  const un = ctx.realtime.subscribe('siren_activations/*', () => refresh());
  const off = ctx.realtime.onReconnect(() => refresh());
  refresh();
  return () => { alive = false; un(); off(); clearInterval(timer); for (const id of shown) banner('release-' + id, null); };
});
