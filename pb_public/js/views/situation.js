// "Lage": the situation picture on the room's status boards. S2 (host operators and
// host members whose function names S2) writes, changes and expires the items; everyone
// else on the staff reads them. Boards follow within seconds.

import { addStrings, t } from '../i18n.js';
import { h, clear, fmtTime } from '../ui.js';

addStrings({
  de: {
    sit_title: 'Lage', sit_new: 'Neue Lagemeldung', sit_titleField: 'Überschrift', sit_body: 'Text', sit_severity: 'Dringlichkeit',
    sit_info: 'Information', sit_warning: 'Warnung', sit_critical: 'Kritisch', sit_expires: 'Gültig bis (leer: bis auf Weiteres)',
    sit_boards: 'Auf Tafeln (keine Auswahl: alle)', sit_add: 'Veröffentlichen', sit_save: 'Speichern', sit_expire: 'Ablaufen lassen',
    sit_delete: 'Löschen', sit_deleteQ: 'Lagemeldung „{title}“ löschen?', sit_current: 'Aktuelle Lage', sit_expired: 'Abgelaufen',
    sit_none: 'Keine Lagemeldungen.', sit_readonly: 'Lagemeldungen schreibt S2.', sit_boardsOpen: 'Tafeln', sit_until: 'bis {time}', sit_saved: 'Gespeichert.',
  },
  en: {
    sit_title: 'Situation', sit_new: 'New situation item', sit_titleField: 'Headline', sit_body: 'Text', sit_severity: 'Severity',
    sit_info: 'Information', sit_warning: 'Warning', sit_critical: 'Critical', sit_expires: 'Valid until (empty: until further notice)',
    sit_boards: 'On boards (none selected: all)', sit_add: 'Publish', sit_save: 'Save', sit_expire: 'Let expire',
    sit_delete: 'Delete', sit_deleteQ: 'Delete situation item “{title}”?', sit_current: 'Current situation', sit_expired: 'Expired',
    sit_none: 'No situation items.', sit_readonly: 'Situation items are written by S2.', sit_boardsOpen: 'Boards', sit_until: 'until {time}', sit_saved: 'Saved.',
  },
});

const SEV = ['info', 'warning', 'critical'];
const items = r => (r && r.items) || [];
const q = s => encodeURIComponent(s);
const isLive = it => !it.expires || new Date(it.expires.replace(' ', 'T')) > new Date();
// datetime-local wants local time without zone; PocketBase wants UTC.
const toLocalInput = iso => { if (!iso) return ''; const d = new Date(iso.replace(' ', 'T')); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
const fromLocalInput = v => v ? new Date(v).toISOString().replace('T', ' ') : '';

function injectStyles() {
  // Its styles are in app.css: the CSP refuses injected <style> elements.
}

export default {
  id: 'situation',
  title: { de: 'Lage', en: 'Situation' },
  icon: 'board',
  visible: ctx => ctx.tenants.some(x => x.role !== 'guest'),
  render(el, ctx) {
    injectStyles();
    const hostTenant = ctx.tenants.find(x => x.kind === 'host');
    const canWrite = ctx.hostOperator || !!(hostTenant && hostTenant.role !== 'guest' && /S2/i.test(hostTenant.function || ''));
    const page = h('div.view-page');
    el.append(page);
    const listBox = h('section.panel#situation-items'), formBox = h('section.panel'), boardsBox = h('section.panel');
    page.append(listBox);
    if (canWrite) page.append(formBox);
    if (ctx.hostOperator) page.append(boardsBox);
    let alive = true, list = [], boards = [];

    async function load() {
      const r = await ctx.api.get('/api/collections/board_items/records?perPage=200&sort=-updated');
      list = items(r);
      if (canWrite || ctx.hostOperator) {
        try { boards = items(await ctx.api.get(`/api/collections/devices/records?perPage=200&sort=name&filter=${q(`kind = 'board'`)}`)); } catch { boards = []; }
      }
      if (!alive) return;
      renderList();
      if (canWrite && !formBox.firstChild) renderForm();
      if (ctx.hostOperator) renderBoards();
    }

    function editor(it, onDone) {
      const f = {
        title: h('input', { value: it.title || '', maxlength: 200, required: true, 'aria-label': t('sit_titleField') }),
        body: h('textarea', { rows: 3, maxlength: 4000, 'aria-label': t('sit_body') }, it.body || ''),
        severity: h('select', { 'aria-label': t('sit_severity') }, SEV.map(s => h('option', { value: s, selected: (it.severity || 'info') === s }, t('sit_' + s)))),
        expires: h('input', { type: 'datetime-local', value: toLocalInput(it.expires), 'aria-label': t('sit_expires') }),
      };
      const picks = boards.map(b => ({ b, cb: h('input', { type: 'checkbox', value: b.id, checked: (it.boards || []).includes(b.id) }) }));
      const form = h('form.sit-edit',
        h('label', t('sit_titleField'), f.title), h('label', t('sit_body'), f.body),
        h('div.grid-form', h('label', t('sit_severity'), f.severity), h('label', t('sit_expires'), f.expires)),
        picks.length ? h('div', h('p.field', t('sit_boards')), h('div.orgpick', picks.map(({ b, cb }) => h('label', cb, ' ', b.name || b.username)))) : null,
        h('p', h('button.btn.primary', { type: 'submit' }, it.id ? t('sit_save') : t('sit_add'))));
      form.onsubmit = async ev => {
        ev.preventDefault();
        const body = {
          title: f.title.value.trim(), body: f.body.value.trim(), severity: f.severity.value,
          expires: fromLocalInput(f.expires.value), boards: picks.filter(p => p.cb.checked).map(p => p.b.id),
        };
        try {
          if (it.id) await ctx.api.patch(`/api/collections/board_items/records/${it.id}`, body);
          else await ctx.api.post('/api/collections/board_items/records', { ...body, organisation: (hostTenant || ctx.tenant).id, created_by: ctx.me.id });
          ctx.toast(t('sit_saved'));
          onDone && onDone();
          await load();
        } catch (e) { ctx.toast(e.message, 'error'); }
      };
      return form;
    }

    function card(it) {
      const live = isLive(it);
      const c = h('article.sit-item.' + (it.severity || 'info') + (live ? '' : '.expired'), { dataset: { id: it.id } },
        h('h3', it.title), it.body ? h('p.body', it.body) : null,
        h('div.small.muted', fmtTime(it.updated), it.expires ? ' · ' + t('sit_until', { time: fmtTime(it.expires) }) : ''));
      if (canWrite) {
        c.append(h('p',
          h('button.btn', { type: 'button', onclick: () => clear(c, editor(it)) }, t('edit')), ' ',
          live ? h('button.btn', { type: 'button', onclick: async () => {
            try { await ctx.api.patch(`/api/collections/board_items/records/${it.id}`, { expires: new Date(Date.now() - 1000).toISOString().replace('T', ' ') }); await load(); }
            catch (e) { ctx.toast(e.message, 'error'); }
          } }, t('sit_expire')) : null, ' ',
          h('button.btn', { type: 'button', onclick: async () => {
            if (!(await ctx.confirmDialog(t('sit_deleteQ', { title: it.title }), t('sit_delete')))) return;
            try { await ctx.api.del(`/api/collections/board_items/records/${it.id}`); await load(); }
            catch (e) { ctx.toast(e.message, 'error'); }
          } }, t('sit_delete'))));
      }
      return c;
    }

    function renderList() {
      const rank = { critical: 3, warning: 2, info: 1 };
      const live = list.filter(isLive).sort((a, b) => (rank[b.severity] || 1) - (rank[a.severity] || 1));
      const old = list.filter(it => !isLive(it)).slice(0, 10);
      clear(listBox, h('h2', t('sit_current')),
        canWrite ? null : h('p.muted.small', t('sit_readonly')),
        live.length ? live.map(card) : h('p.muted', t('sit_none')),
        old.length ? h('details', h('summary', t('sit_expired') + ' (' + old.length + ')'), old.map(card)) : null);
    }

    function renderForm() {
      clear(formBox, h('h2', t('sit_new')), editor({}, () => { clear(formBox); renderForm(); }));
    }

    function renderBoards() {
      const kiosks = boards.filter(b => b.driver === 'kiosk');
      clear(boardsBox, h('h2', t('sit_boardsOpen')), kiosks.length ? h('ul.plain', kiosks.map(b =>
        h('li', h('a.btn', { href: '/board/' + encodeURIComponent(b.username), target: '_blank', rel: 'noopener' }, b.name || b.username)))) : h('p.muted', '–'));
    }

    const un1 = ctx.realtime.subscribe('board_items/*', () => { load().catch(() => {}); });
    const un2 = ctx.realtime.onReconnect(() => load().catch(() => {}));
    load().catch(e => { if (alive) clear(listBox, h('p.error', e.message)); });
    return () => { alive = false; un1(); un2(); };
  },
};
