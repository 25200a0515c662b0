// "Dienst": who is on duty, by organisation and function, with presence (online, away,
// offline). The server decides whom the person sees (GET /api/crisisroom/roster): all
// of their own organisations, and of others only those they share a channel with.

import { t, addStrings } from '../i18n.js';
import { h, clear, orgChip } from '../ui.js';
import '../features/style.js';
import { functionLabel } from '../features/mentions.js';

addStrings({
  de: { sr_roster: 'Dienst', sr_rosterTitle: 'Wer ist im Dienst?', sr_function: 'Funktion', sr_name: 'Name', sr_presence: 'Status', sr_online: 'online', sr_away: 'abwesend', sr_offline: 'offline', sr_noFunction: '—', sr_rosterHelp: 'Ihre Organisationen vollständig, andere mit den Personen, mit denen Sie einen Kanal teilen.', sr_onlineN: '{n} von {total} online', sr_countN: '{on} online · {away} abwesend · {off} offline', sr_message: 'Nachricht' },
  en: { sr_roster: 'On duty', sr_rosterTitle: 'Who is on duty?', sr_function: 'Function', sr_name: 'Name', sr_presence: 'Status', sr_online: 'online', sr_away: 'away', sr_offline: 'offline', sr_noFunction: '—', sr_rosterHelp: 'Your organisations in full, others with the people you share a channel with.', sr_onlineN: '{n} of {total} online', sr_countN: '{on} online · {away} away · {off} offline', sr_message: 'Message' },
});

export default {
  id: 'roster',
  title: { de: 'Dienst', en: 'On duty' },
  icon: 'users',
  visible: ctx => ctx.tenants.some(x => x.role !== 'guest'),
  render(el, ctx) {
    const body = h('div', h('p', t('loading')));
    clear(el, h('section.roster-view', h('h1', t('sr_rosterTitle')), h('p.muted', t('sr_rosterHelp')), body));
    let stopped = false;
    const load = async () => {
      try {
        const orgs = await ctx.api.get('/api/crisisroom/roster');
        if (stopped) return;
        clear(body, orgs.map(o => {
          // Counted as the rows say: online, away and offline apart ("4 von 4 online" over
          // three rows "abwesend" read as a contradiction).
          const n = s => o.people.filter(p => p.presence === s).length;
          return h('section.roster-org', { dataset: { org: o.id } },
            h('h2', orgChip(o), ' ', o.name, h('span.muted.small.roster-count', ' · ', t('sr_countN', { on: n('online'), away: n('away'), off: o.people.length - n('online') - n('away') }))),
            h('table.roster-table',
              h('thead', h('tr', h('th', t('sr_function')), h('th', t('sr_name')), h('th', t('sr_presence')))),
              h('tbody', o.people.map(p => h('tr', { dataset: { user: p.username } },
                h('td', functionLabel(p) || t('sr_noFunction')),
                h('td', h('b', p.name), ' ', h('span.muted', '@' + p.username)),
                h('td', h('span.presence.' + p.presence, t('sr_' + p.presence))))))));
        }));
      } catch (e) { if (!stopped) clear(body, h('p.error', e.message)); }
    };
    load();
    const timer = setInterval(load, 30000);
    return () => { stopped = true; clearInterval(timer); };
  },
};
