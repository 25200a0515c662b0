// "Suche": search every channel the person may read (the server decides which: GET
// /api/crisisroom/search, SQLite FTS5). Every hit is listed, newest first, with its
// channel, author and time; a hit opens its channel at the message (the part of the
// channel around it when it is older than the newest page: GET …/messages/{id}/context);
// a hit of a channel of another of the person's organisations is shown in context first,
// and "Im Kanal öffnen" switches to that organisation and opens the channel there.

import { t, addStrings, lang } from '../i18n.js';
import { h, clear, dialog, fmtTime, orgChip, guestTag } from '../ui.js';
import { S, extCtx, list, findChannel, channelTitle, channelOrgs } from '../messaging/state.js';
import '../features/style.js';

addStrings({
  de: { sr_search: 'Suche', sr_searchAll: 'Alle Kanäle durchsuchen', sr_searchLabel: 'Suchbegriffe', sr_searchGo: 'Suchen', sr_searchHits: '{n} Treffer', sr_searchMore: '{n} Treffer, die neuesten {limit} gezeigt', sr_searchMoreThan: 'Mehr als {n} Treffer, die neuesten {limit} gezeigt', sr_searchNone: 'Nichts gefunden.', sr_context: 'Nachricht im Zusammenhang', sr_openChannel: 'Im Kanal öffnen', sr_searchHelp: 'Gesucht wird in allen Kanälen, die Sie lesen dürfen. Alle Wörter müssen vorkommen; Wortanfänge genügen.', sr_otherChannel: 'Kanal einer anderen Organisation', sr_inOtherView: '„{channel}“ ist ein Kanal von {org}: „Im Kanal öffnen“ wechselt zu {org}.', sr_cannotOpen: 'Der Kanal lässt sich nicht öffnen: {why}', sr_notMember: 'Sie sind nicht mehr Mitglied dieses Kanals.', sr_noView: 'Er gehört zu keiner Ihrer Organisationen.' },
  en: { sr_search: 'Search', sr_searchAll: 'Search all channels', sr_searchLabel: 'Search terms', sr_searchGo: 'Search', sr_searchHits: '{n} hits', sr_searchMore: '{n} hits, the newest {limit} shown', sr_searchMoreThan: 'More than {n} hits, the newest {limit} shown', sr_searchNone: 'Nothing found.', sr_context: 'Message in context', sr_openChannel: 'Open in channel', sr_searchHelp: 'Searches every channel you may read. All words must occur; the beginning of a word is enough.', sr_otherChannel: 'channel of another organisation', sr_inOtherView: '“{channel}” is a channel of {org}: “Open in channel” switches to {org}.', sr_cannotOpen: 'The channel cannot be opened: {why}', sr_notMember: 'You are no longer a member of this channel.', sr_noView: 'It belongs to none of your organisations.' },
});

// num writes a count as the language does: 1.000 / 1,000.
const num = n => Number(n).toLocaleString(lang() === 'en' ? 'en-GB' : 'de-DE');
// who wrote a hit or a message of its context: a person, a device, or the system (a join notice).
const who = m => m.author && m.author.name ? m.author.name : m.source === 'system' ? t('system') : (m.device_name || m.device || '');

// marked turns a snippet with \x02…\x03 around the hits into text and <mark> nodes
// (never HTML from the server).
export function marked(s) {
  const out = [];
  for (const [i, part] of (s || '').split(/[\x02\x03]/).entries()) if (part) out.push(i % 2 ? h('mark', part) : part);
  return out;
}

// placeOf says where the hit's channel opens: in the messenger of the organisation in
// view ({here: true}); in that of another of the person's organisations ({org}: an org
// channel in its organisation's view, a shared one in that of an organisation taking part,
// the owner first); or nowhere ({why}: the text that says why). A channel the messenger has
// not listed yet (the person was added a moment ago) is asked for once.
async function placeOf(ctx, hit) {
  const here = ctx.tenant && ctx.tenant.id;
  // S.channels is the list of the organisation the messenger showed last.
  if (S.channelsFor === here && S.channels.some(x => x.id === hit.channel)) return { here: true };
  let c = S.allChannels.find(x => x.id === hit.channel);
  if (!c) {
    try { c = list(await ctx.api.get('/api/crisisroom/channels')).find(x => x.id === hit.channel); }
    catch (e) { return { why: e.message }; }
  }
  if (!c) return { why: t('sr_notMember') };
  const org = viewOf(ctx, c);
  return org === true ? { here: true } : org ? { org, channel: c } : { why: t('sr_noView') };
}

// viewOf: true when channel c is listed in the view of the organisation in view; else the
// one of the person's organisations (from ctx.tenants) in whose view it is, or null.
function viewOf(ctx, c) {
  if (c.kind !== 'org' && c.kind !== 'shared') return true;
  const ids = c.kind === 'org' ? [c.organisation] : [c.organisation, ...channelOrgs(c).map(o => o.id)];
  if (ids.includes(ctx.tenant && ctx.tenant.id)) return true;
  return ids.map(id => (ctx.tenants || []).find(x => x.id === id)).find(Boolean) || null;
}

async function showContext(ctx, hit) {
  const body = h('div', h('p', t('loading')));
  const note = h('p.muted.sr-where', { role: 'note', hidden: true });
  const open = h('button.btn.primary.sr-open', { type: 'button', hidden: true }, t('sr_openChannel'));
  const d = dialog(t('sr_context'), [note, body], { wide: true, actions: [open] });
  open.onclick = () => { d.close(); jump(ctx, hit, false); };
  placeOf(ctx, hit).then(p => {
    if (!d.open) return;
    if (p.why) {
      note.className = 'error sr-where'; note.setAttribute('role', 'alert'); note.textContent = t('sr_cannotOpen', { why: p.why }); note.hidden = false;
      open.parentElement.hidden = true; // no empty footer
      return;
    }
    if (p.org) { note.textContent = t('sr_inOtherView', { channel: channelTitle(p.channel), org: p.org.name }); note.hidden = false; }
    open.hidden = false;
    // The button was hidden when the dialog took the focus.
    open.focus();
  });
  try {
    const r = await ctx.api.get(`/api/crisisroom/messages/${hit.id}/context?n=10`);
    clear(body, h('ul.ctx-list', r.items.map(m => h('li' + (m.id === hit.id ? '.target' : ''), { dataset: { id: m.id } },
      h('div.muted.small', who(m), m.author && m.author.guest ? [' ', guestTag(m.author)] : null, ' · ', fmtTime(m.created)), m.body))));
    body.querySelector('li.target')?.scrollIntoView({ block: 'center' });
  } catch (e) { clear(body, h('p.error', e.message)); }
}

// jump opens the hit's channel in the messenger at the message (loading the part around
// it when it is not in the newest page) and marks it. A channel of another organisation's
// view is first shown in context here (contextIfMissing), so that the switch to that
// organisation is the person's choice; from there (contextIfMissing false) the
// organisation in view changes to it, or a notice says why the channel cannot be opened.
async function jump(ctx, hit, contextIfMissing = true) {
  const p = await placeOf(ctx, hit);
  if (!p.here && contextIfMissing) { showContext(ctx, hit); return; }
  if (p.why) { ctx.toast(t('sr_cannotOpen', { why: p.why }), 'error'); return; }
  // The messenger is not on screen here: openAt notes the message, and the messenger
  // opens its channel at it when it renders (instead of its last channel).
  if (p.org) {
    S.target = { channel: hit.channel, id: hit.id };
    if (await ctx.switchTenant(p.org.id, 'messages')) return;
    S.target = null;
    ctx.toast(t('sr_cannotOpen', { why: t('sr_noView') }), 'error');
    return;
  }
  if (extCtx.openAt) await extCtx.openAt(hit.channel, hit.id);
  else S.target = { channel: hit.channel, id: hit.id };
  ctx.navigate('messages');
}

export default {
  id: 'search',
  title: { de: 'Suche', en: 'Search' },
  icon: 'search',
  visible: () => true,
  render(el, ctx) {
    extCtx.navigate = ctx.navigate;
    const q = h('input#search-all', { type: 'search', name: 'q', autocomplete: 'off', 'aria-label': t('sr_searchLabel'), placeholder: t('sr_searchAll') });
    const status = h('p.muted', { role: 'status' }, t('sr_searchHelp'));
    const list = h('ul.hits');
    const form = h('form.search-form', { role: 'search' }, q, h('button.btn.primary', { type: 'submit' }, t('sr_searchGo')));
    let seq = 0;
    form.onsubmit = async ev => {
      ev.preventDefault();
      const n = ++seq, v = q.value.trim();
      if (!v) return;
      status.textContent = t('searching');
      try {
        const r = await ctx.api.get('/api/crisisroom/search?q=' + encodeURIComponent(v));
        if (n !== seq) return;
        // The server counts hits up to a cap (total_capped: more than total).
        const hits = num(r.total), limit = num(r.items.length);
        status.textContent = !r.total ? t('sr_searchNone') : r.total_capped ? t('sr_searchMoreThan', { n: hits, limit })
          : r.total > r.items.length ? t('sr_searchMore', { n: hits, limit }) : t('sr_searchHits', { n: hits });
        clear(list, r.items.map(hit => {
          const c = findChannel(hit.channel);
          // A channel of another of the person's organisations: its chip says which.
          const other = c ? viewOf(ctx, c) : true;
          return h('li.hit', h('button', { type: 'button', dataset: { id: hit.id, channel: hit.channel }, onclick: () => jump(ctx, hit) },
            h('span.where', h('b', c ? channelTitle(c) : t('sr_otherChannel')), other && other !== true ? orgChip(other) : null, h('span', who(hit)), guestTag(hit.author), h('time', { datetime: hit.created }, fmtTime(hit.created))),
            h('span.snip', marked(hit.snippet))));
        }));
      } catch (e) { status.textContent = e.message; }
    };
    clear(el, h('section.search-view', h('h1', t('sr_search')), form, status, list));
    q.focus();
  },
};
