// "Fax": received faxes as pictures with their PDF, sent faxes with their progress
// (wartet → wird gesendet → gesendet / fehlgeschlagen, live), and a form to fax a recent
// message of a channel or a text of one's own. The server decides who may fax what
// through which device; this screen shows its answer in clear words.

import { addStrings, t, lang } from '../i18n.js';
import { h, clear, fmtTime, icon } from '../ui.js';
import { fileToken } from '../api.js';

addStrings({
  de: {
    fax_title: 'Fax', fax_send: 'Als Fax senden', fax_channel: 'Kanal', fax_device: 'Faxgerät', fax_message: 'Nachricht',
    fax_ownText: '– eigener Text –', fax_text: 'Text', fax_number: 'Faxnummer', fax_numberHint: 'z. B. 0221 123456',
    fax_sendBtn: 'Fax senden', fax_queued: 'Fax an {n} ist in der Warteschlange.', fax_needNumber: 'Bitte eine Faxnummer eingeben.',
    fax_needText: 'Bitte eine Nachricht wählen oder einen Text schreiben.', fax_noDevice: 'Für diesen Kanal gibt es kein Faxgerät.',
    fax_list: 'Faxe', fax_none: 'Noch keine Faxe.', fax_in: 'Eingang', fax_out: 'Ausgang', fax_from: 'von {who}', fax_to: 'an {who}',
    fax_pages: '{n} Seiten', fax_page1: '1 Seite', fax_pdf: 'PDF öffnen', fax_page: 'Seite {n}', fax_unknown: 'unbekannter Kennung',
    fax_st_queued: 'Wartet', fax_st_sending: 'Wird gesendet', fax_st_retrying: 'Neuer Versuch', fax_st_sent: 'Gesendet', fax_st_failed: 'Fehlgeschlagen', fax_st_received: 'Empfangen',
    fax_queuedOffline: 'Das Faxgerät ist nicht verbunden; das Fax geht hinaus, sobald es wieder da ist.',
    fax_attempt: 'Versuch {n}', fax_nextAt: 'nächster Versuch {time}', fax_test: 'Testfax empfangen', fax_testRinging: 'Das Testfax kommt gleich an.',
    fax_line_idle: 'bereit', fax_line_ringing: 'klingelt', fax_line_receiving: 'empfängt', fax_line_sending: 'sendet', fax_line_error: 'Störung', fax_line_offline: 'nicht verbunden',
    fax_noChannels: 'Sie sind in keinem Kanal, aus dem Sie faxen können.', fax_by: 'durch {name}',
  },
  en: {
    fax_title: 'Fax', fax_send: 'Send as fax', fax_channel: 'Channel', fax_device: 'Fax device', fax_message: 'Message',
    fax_ownText: '– own text –', fax_text: 'Text', fax_number: 'Fax number', fax_numberHint: 'e.g. 0221 123456',
    fax_sendBtn: 'Send fax', fax_queued: 'Fax to {n} is queued.', fax_needNumber: 'Please enter a fax number.',
    fax_needText: 'Please pick a message or write a text.', fax_noDevice: 'This channel has no fax device.',
    fax_list: 'Faxes', fax_none: 'No faxes yet.', fax_in: 'Incoming', fax_out: 'Outgoing', fax_from: 'from {who}', fax_to: 'to {who}',
    fax_pages: '{n} pages', fax_page1: '1 page', fax_pdf: 'Open PDF', fax_page: 'Page {n}', fax_unknown: 'unknown station',
    fax_st_queued: 'Waiting', fax_st_sending: 'Sending', fax_st_retrying: 'Retrying', fax_st_sent: 'Sent', fax_st_failed: 'Failed', fax_st_received: 'Received',
    fax_queuedOffline: 'The fax device is not connected; the fax goes out as soon as it is back.',
    fax_attempt: 'attempt {n}', fax_nextAt: 'next attempt {time}', fax_test: 'Receive a test fax', fax_testRinging: 'The test fax arrives in a moment.',
    fax_line_idle: 'ready', fax_line_ringing: 'ringing', fax_line_receiving: 'receiving', fax_line_sending: 'sending', fax_line_error: 'fault', fax_line_offline: 'not connected',
    fax_noChannels: 'You are in no channel you could fax from.', fax_by: 'by {name}',
  },
});

const q = s => encodeURIComponent(s);
const items = r => (r && r.items) || [];
const statusColour = { queued: '#6b6f7b', sending: '#1565c0', retrying: '#b26a00', sent: '#2e7d32', failed: '#b71c1c', received: '#2e7d32' };

export default {
  id: 'fax',
  title: { de: 'Fax', en: 'Fax' },
  icon: 'fax',
  visible: ctx => !!ctx.tenant && ctx.tenant.role !== 'guest',
  render(el, ctx) {
    const page = h('div.view-page');
    const formBox = h('section.panel.fax-send');
    const listBox = h('section.panel.fax-list', h('h2', icon('fax'), t('fax_list')), h('p.muted', t('loading')));
    page.append(formBox, listBox);
    el.append(page);
    let alive = true;
    const faxes = new Map();
    const channelNames = new Map();
    let token = '';

    const unsub = ctx.realtime.subscribe('faxes/*', ev => {
      if (!alive || !ev || !ev.record) return;
      faxes.set(ev.record.id, Object.assign(faxes.get(ev.record.id) || {}, ev.record));
      renderList();
    });
    const unre = ctx.realtime.onReconnect ? ctx.realtime.onReconnect(() => loadFaxes()) : () => {};

    buildForm().catch(e => alive && clear(formBox, h('p.error', e.message)));
    loadFaxes();
    return () => { alive = false; unsub && unsub(); unre && unre(); };

    async function loadFaxes() {
      try {
        const [r, tok] = await Promise.all([
          ctx.api.get('/api/collections/faxes/records?perPage=50&sort=-created&expand=channel,requested_by'),
          fileToken().catch(() => ''),
        ]);
        if (!alive) return;
        token = tok;
        for (const f of items(r)) faxes.set(f.id, f);
        renderList();
      } catch (e) { if (alive) clear(listBox, h('h2', icon('fax'), t('fax_list')), h('p.error', e.message)); }
    }

    function fileUrl(f, name) { return `/api/files/faxes/${f.id}/${q(name)}?token=${q(token)}`; }

    function statusText(f) {
      const parts = [];
      if (f.status === 'retrying' || (f.status === 'failed' && f.attempts > 1)) parts.push(t('fax_attempt', { n: f.attempts }));
      if (f.status === 'retrying' && f.next_attempt) parts.push(t('fax_nextAt', { time: fmtTime(f.next_attempt) }));
      const reason = lang() === 'en' && f.error_en ? f.error_en : f.error;
      if (reason) parts.push(reason);
      if (f.status === 'queued' && !f.dispatched) parts.push(t('fax_queuedOffline'));
      return parts.join(' · ');
    }

    function renderFax(f) {
      const incoming = f.direction === 'in';
      const who = incoming ? (f.remote_id || t('fax_unknown')) : f.number;
      const ch = (f.expand && f.expand.channel && f.expand.channel.name) || channelNames.get(f.channel) || '';
      const by = f.expand && f.expand.requested_by ? t('fax_by', { name: f.expand.requested_by.name }) : '';
      const previews = (f.previews || []).map((p, i) => h('a.fax-page', { href: fileUrl(f, p), target: '_blank', rel: 'noopener', title: t('fax_page', { n: i + 1 }) },
        h('img', { src: fileUrl(f, p), alt: t('fax_page', { n: i + 1 }) + ' – ' + who, loading: 'lazy', style: { width: '9rem', border: '1px solid #ccc', background: '#fff' } })));
      return h('article.fax', { dataset: { id: f.id, status: f.status, direction: f.direction }, style: { borderTop: '1px solid var(--line)', padding: '.7rem 0' } },
        h('div', { style: { display: 'flex', gap: '.5rem', alignItems: 'center', flexWrap: 'wrap' } },
          h('b', incoming ? t('fax_in') : t('fax_out')),
          h('span', t(incoming ? 'fax_from' : 'fax_to', { who })),
          h('span.chip.fax-status', { style: { '--c': statusColour[f.status] || '#555' } }, t('fax_st_' + f.status)),
          f.pages ? h('span.muted', f.pages === 1 ? t('fax_page1') : t('fax_pages', { n: f.pages })) : null,
          ch ? h('span.muted', '· ' + ch) : null,
          by ? h('span.muted', '· ' + by) : null,
          h('time.muted', { datetime: f.created }, '· ' + fmtTime(f.created)),
          f.document ? h('a.btn', { href: fileUrl(f, f.document), target: '_blank', rel: 'noopener' }, t('fax_pdf')) : null),
        statusText(f) ? h('p.fax-reason' + (f.status === 'failed' ? '.error' : '.muted'), { style: { margin: '.3rem 0' } }, statusText(f)) : null,
        previews.length ? h('div.fax-pages', { style: { display: 'flex', gap: '.5rem', flexWrap: 'wrap', marginTop: '.4rem' } }, previews) : null);
    }

    // File tokens live a few minutes: every render asks for a current one (cached).
    async function renderList() {
      token = await fileToken().catch(() => token);
      if (!alive) return;
      const list = [...faxes.values()].sort((a, b) => (b.created || '').localeCompare(a.created || ''));
      clear(listBox, h('h2', icon('fax'), t('fax_list')), list.length ? list.map(renderFax) : h('p.muted', t('fax_none')));
    }

    async function buildForm() {
      const r = await ctx.api.get(`/api/collections/channels/records?perPage=200&sort=name&filter=${q("archived=false && kind!='direct'")}`);
      if (!alive) return;
      const chans = items(r);
      for (const c of chans) channelNames.set(c.id, c.name);
      if (!chans.length) { clear(formBox, h('h2', t('fax_send')), h('p.muted', t('fax_noChannels'))); return; }
      const chanSel = h('select#fax-channel', chans.map(c => h('option', { value: c.id }, c.name)));
      const devSel = h('select#fax-device');
      const msgSel = h('select#fax-message');
      const text = h('textarea#fax-text', { rows: 4, maxlength: 20000, style: { width: '100%' } });
      const number = h('input#fax-number', { type: 'tel', placeholder: t('fax_numberHint'), maxlength: 40, autocomplete: 'off' });
      const send = h('button.btn.primary#fax-submit', { type: 'submit' }, icon('fax'), ' ', t('fax_sendBtn'));
      const testBox = h('div.fax-test');
      const note = h('p.muted', { role: 'status' });
      const form = h('form.fax-form', { onsubmit: ev => { ev.preventDefault(); submit(); } },
        h('div.grid-form',
          h('label', t('fax_channel'), chanSel),
          h('label', t('fax_device'), devSel),
          h('label', t('fax_message'), msgSel),
          h('label', t('fax_number'), number)),
        h('label', { style: { display: 'block', marginTop: '.6rem', fontWeight: 600 } }, t('fax_text'), text),
        h('div', { style: { display: 'flex', gap: '.6rem', marginTop: '.6rem', alignItems: 'center', flexWrap: 'wrap' } }, send, testBox),
        note);
      clear(formBox, h('h2', icon('fax'), t('fax_send')), form);
      const flood = chans.find(c => c.kind === 'shared') || chans[0];
      chanSel.value = flood.id;
      chanSel.onchange = () => loadChannel();
      msgSel.onchange = () => { text.disabled = !!msgSel.value; };
      await loadChannel();

      async function loadChannel() {
        const id = chanSel.value;
        const [devs, msgs] = await Promise.all([
          ctx.api.get(`/api/crisisroom/fax/devices?channel=${q(id)}`).catch(() => []),
          ctx.api.get(`/api/collections/messages/records?perPage=20&sort=-created&filter=${q(`channel='${id}' && deleted=false && source!='system'`)}`).catch(() => ({ items: [] })),
        ]);
        if (!alive || chanSel.value !== id) return;
        clear(devSel, (devs || []).map(d => h('option', { value: d.id }, `${d.name} (${t('fax_line_' + (d.online ? (d.state || 'idle') : 'offline'))})`)));
        clear(msgSel, h('option', { value: '' }, t('fax_ownText')),
          items(msgs).filter(m => m.body).map(m => h('option', { value: m.id }, `${fmtTime(m.created)} – ${m.body.replace(/\s+/g, ' ').slice(0, 70)}`)));
        text.disabled = false;
        note.textContent = devs && devs.length ? '' : t('fax_noDevice');
        clear(testBox, ctx.hostOperator ? (devs || []).filter(d => d.simulator).map(d =>
          h('button.btn#fax-test-ring', { type: 'button', onclick: () => ring(d) }, t('fax_test'))) : null);
      }

      async function ring(d) {
        try { await ctx.api.post(`/api/crisisroom/fax/${q(d.id)}/test-ring`); ctx.toast(t('fax_testRinging')); }
        catch (e) { ctx.toast(e.message, 'error'); }
      }

      async function submit() {
        const num = number.value.trim();
        if (!num) { ctx.toast(t('fax_needNumber'), 'error'); number.focus(); return; }
        if (!msgSel.value && !text.value.trim()) { ctx.toast(t('fax_needText'), 'error'); text.focus(); return; }
        send.disabled = true;
        try {
          const rec = msgSel.value
            ? await ctx.api.post(`/api/crisisroom/messages/${q(msgSel.value)}/fax`, { number: num, device: devSel.value })
            : await ctx.api.post('/api/collections/faxes/records', { direction: 'out', channel: chanSel.value, device: devSel.value, number: num, text: text.value.trim(), requested_by: ctx.me.id });
          faxes.set(rec.id, Object.assign(faxes.get(rec.id) || {}, rec));
          renderList();
          ctx.toast(t('fax_queued', { n: rec.number }));
          text.value = '';
          msgSel.value = '';
          text.disabled = false;
        } catch (e) { ctx.toast(e.message, 'error'); }
        finally { send.disabled = false; }
      }
    }
  },
};
