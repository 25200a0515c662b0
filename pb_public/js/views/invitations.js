// "Einladungen": admins invite people to their organisation and guests to one of its
// channels; the crisis staff's admins and operators also invite new organisations and
// enrol devices. The code is shown once, big, with a printable sheet; the list shows
// what is still open and withdraws an invitation with one click. The server decides who
// may invite whom; this screen offers what the role suggests and shows the server's answer.

import { addStrings, t } from '../i18n.js';
import { inLanguage } from '../api.js';
import { h, clear, confirmDialog, orgChip } from '../ui.js';

addStrings({
  de: {
    inv_title: 'Einladungen', inv_new: 'Neue Einladung', inv_kind: 'Art', inv_create: 'Einladung erstellen',
    inv_kind_member: 'Person für {org}', inv_kind_guest: 'Gast für einen Kanal', inv_kind_organisation: 'Neue Organisation', inv_kind_device: 'Gerät (MQTT)',
    inv_role: 'Rolle', inv_function: 'Funktion', inv_label: 'Notiz (für die Liste)', inv_hours: 'Gültig (Stunden)', inv_uses: 'Verwendbar (Anzahl)',
    inv_channel: 'Kanal', inv_guestUntil: 'Gastzugang bis', inv_channelRole: 'Rechte im Kanal', inv_readonly: 'nur lesen', inv_write: 'lesen und schreiben',
    inv_devName: 'Gerätename', inv_devKind: 'Geräteart', inv_driver: 'Treiber', inv_topic: 'Eigenes Thema (Topic)', inv_zone: 'Sirenenzone',
    inv_list: 'Offene und frühere Einladungen', inv_none: 'Noch keine Einladungen.', inv_what: 'Was', inv_state: 'Stand', inv_expires: 'Gültig bis', inv_usesCol: 'Genutzt',
    inv_active: 'offen', inv_expired: 'abgelaufen', inv_used: 'eingelöst', inv_revoked: 'zurückgezogen',
    inv_revoke: 'Zurückziehen', inv_revokeQ: 'Diese Einladung zurückziehen? Der Code funktioniert danach nicht mehr.', inv_revokedToast: 'Einladung zurückgezogen.',
    inv_created: 'Einladung erstellt', inv_onceHint: 'Dieser Code wird nur jetzt angezeigt. Drucken oder zeigen Sie ihn jetzt.',
    inv_print: 'Druckblatt (A4)', inv_copy: 'Link kopieren', inv_copied: 'Link kopiert.', inv_fingerprint: 'Zertifikat (SHA-256)',
    inv_noChannels: 'Keine Kanäle, in die Sie Gäste einladen dürfen.', inv_nothing: 'Sie dürfen in {org} niemanden einladen.',
  },
  en: {
    inv_title: 'Invitations', inv_new: 'New invitation', inv_kind: 'Kind', inv_create: 'Create invitation',
    inv_kind_member: 'Person for {org}', inv_kind_guest: 'Guest for one channel', inv_kind_organisation: 'New organisation', inv_kind_device: 'Device (MQTT)',
    inv_role: 'Role', inv_function: 'Function', inv_label: 'Note (for the list)', inv_hours: 'Valid (hours)', inv_uses: 'Uses',
    inv_channel: 'Channel', inv_guestUntil: 'Guest access until', inv_channelRole: 'Rights in the channel', inv_readonly: 'read only', inv_write: 'read and write',
    inv_devName: 'Device name', inv_devKind: 'Device kind', inv_driver: 'Driver', inv_topic: 'Own topic', inv_zone: 'Siren zone',
    inv_list: 'Open and past invitations', inv_none: 'No invitations yet.', inv_what: 'What', inv_state: 'State', inv_expires: 'Valid until', inv_usesCol: 'Used',
    inv_active: 'open', inv_expired: 'expired', inv_used: 'used', inv_revoked: 'withdrawn',
    inv_revoke: 'Withdraw', inv_revokeQ: 'Withdraw this invitation? Its code stops working.', inv_revokedToast: 'Invitation withdrawn.',
    inv_created: 'Invitation created', inv_onceHint: 'This code is shown only now. Print it or show it now.',
    inv_print: 'Print sheet (A4)', inv_copy: 'Copy link', inv_copied: 'Link copied.', inv_fingerprint: 'Certificate (SHA-256)',
    inv_noChannels: 'No channels you may invite guests to.', inv_nothing: 'You may not invite anyone in {org}.',
  },
});

const q = s => encodeURIComponent(s);
const items = r => (r && r.items) || [];
const DEVICE_KINDS = ['siren', 'relay', 'board', 'fax', 'bridge', 'sensor'];
const DRIVERS = ['', 'tasmota', 'shelly1', 'shelly2', 'homeassistant', 'native', 'fax-class2', 'kiosk', 'awtrix', 'wled', 'alpha'];
const when = iso => { const d = new Date(String(iso || '').replace(' ', 'T')); return isNaN(d) ? '' : d.toLocaleString('de-DE', { dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23', timeZone: 'Europe/Berlin' }); };
const localInput = d => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

// grantsText shows the server's "what it grants" in the user's language, with a role
// key such as "(member)" as the word for it.
function grantsText(g) {
  return inLanguage(g || '').replace(/\((admin|operator|member|guest|readonly)\)/g, (m, r) => '(' + (r === 'readonly' ? t('inv_readonly') : t('role_' + r)) + ')');
}

export default {
  id: 'invitations',
  title: { de: 'Einladungen', en: 'Invitations' },
  icon: 'qr',
  // Only in an organisation where the person may invite (see admin.js).
  visible: ctx => ctx.hostOperator || ctx.tenant?.role === 'admin',
  render(el, ctx) {
    const page = h('div.view-page');
    el.append(page);
    let alive = true;
    const isAdmin = ctx.tenant.role === 'admin';
    const onHost = ctx.tenant.kind === 'host';
    const kinds = [];
    if (isAdmin || (onHost && ctx.hostOperator)) kinds.push('member');
    if (isAdmin || ctx.hostOperator) kinds.push('guest');
    if (onHost && ctx.hostOperator) kinds.push('organisation', 'device');
    const formBox = h('section.panel#invite-form');
    const listBox = h('section.panel#invite-list');
    page.append(formBox, listBox);
    if (!kinds.length) clear(formBox, h('p', t('inv_nothing', { org: ctx.tenant.name })));
    else buildForm();
    loadList();
    return () => { alive = false; };

    function field(label, input) { return h('label', label, input); }

    async function buildForm() {
      const kind = h('select#inv-kind', kinds.map(k => h('option', { value: k }, t('inv_kind_' + k, { org: ctx.tenant.short || ctx.tenant.name }))));
      const role = h('select#inv-role', ['member', 'operator', 'admin'].filter(r => isAdmin || r !== 'admin').map(r => h('option', { value: r }, t('role_' + r))));
      const fn = h('input#inv-function', { maxlength: 60, placeholder: 'S2, Verbindungsperson …' });
      const guestFn = h('input#inv-guest-function', { maxlength: 60, placeholder: 'Gutachter/in, Presse …' });
      const label = h('input#inv-label', { maxlength: 120 });
      const hours = h('input#inv-hours', { type: 'number', min: 1, max: 720, value: 24 });
      const uses = h('input#inv-uses', { type: 'number', min: 1, max: 500, value: 1 });
      const channel = h('select#inv-channel');
      const until = h('input#inv-until', { type: 'datetime-local', value: localInput(new Date(Date.now() + 3 * 86400000)) });
      const chRole = h('select#inv-chrole', h('option', { value: 'readonly' }, t('inv_readonly')), h('option', { value: 'member' }, t('inv_write')));
      const devName = h('input#inv-devname', { maxlength: 120 });
      const devKind = h('select#inv-devkind', DEVICE_KINDS.map(k => h('option', { value: k }, k)));
      const driver = h('select#inv-driver', DRIVERS.map(k => h('option', { value: k }, k || '–')));
      const topic = h('input#inv-topic', { maxlength: 120 });
      const zone = h('input#inv-zone', { maxlength: 60, pattern: '[a-z0-9_\\-]*' });
      const groups = {
        member: [field(t('inv_role'), role), field(t('inv_function'), fn)],
        guest: [field(t('inv_channel'), channel), field(t('inv_channelRole'), chRole), field(t('inv_guestUntil'), until), field(t('inv_function'), guestFn)],
        organisation: [],
        device: [field(t('inv_devName'), devName), field(t('inv_devKind'), devKind), field(t('inv_driver'), driver), field(t('inv_topic'), topic), field(t('inv_zone'), zone)],
      };
      const specific = h('div.grid-form');
      const showKind = () => clear(specific, groups[kind.value]);
      kind.onchange = showKind;
      showKind();
      const submit = h('button.btn.primary#inv-create', { type: 'submit' }, t('inv_create'));
      const form = h('form', h('h2', t('inv_new')),
        h('div.grid-form', field(t('inv_kind'), kind), field(t('inv_label'), label), field(t('inv_hours'), hours), field(t('inv_uses'), uses)),
        specific, h('p', submit));
      clear(formBox, form);
      if (kinds.includes('guest')) {
        // Channels a guest may be invited to: the tenant's own, and for the crisis staff's
        // operators the shared ones; never direct conversations.
        const filter = ctx.hostOperator && onHost ? `organisation='${ctx.tenant.id}' && kind!='direct' && archived=false` : `organisation='${ctx.tenant.id}' && kind!='direct' && kind!='shared' && archived=false`;
        try {
          const chans = items(await ctx.api.get(`/api/collections/channels/records?perPage=200&sort=name&fields=id,name,kind&filter=${q(filter)}`));
          if (!alive) return;
          clear(channel, chans.length ? chans.map(c => h('option', { value: c.id }, c.name)) : h('option', { value: '' }, t('inv_noChannels')));
        } catch (e) { ctx.toast(e.message, 'error'); }
      }
      form.onsubmit = async ev => {
        ev.preventDefault();
        const body = { kind: kind.value, label: label.value.trim(), expires_in_hours: Number(hours.value) || 24, max_uses: Number(uses.value) || 1 };
        if (kind.value === 'member') Object.assign(body, { organisation: ctx.tenant.id, role: role.value, function: fn.value.trim() });
        if (kind.value === 'guest') Object.assign(body, { channel: channel.value, role: chRole.value, function: guestFn.value.trim(), member_expires: until.value ? new Date(until.value).toISOString() : '' });
        if (kind.value === 'device') body.device = { name: devName.value.trim(), kind: devKind.value, driver: driver.value, topic: topic.value.trim(), zone: zone.value.trim() };
        submit.disabled = true;
        try {
          const inv = await ctx.api.post('/api/crisisroom/invitations', body);
          showCreated(inv);
          label.value = '';
          loadList();
        } catch (e) { ctx.toast(e.message, 'error'); }
        finally { submit.disabled = false; }
      };
    }

    function showCreated(inv) {
      // The print sheet opens in a new tab that inherits this tab's sessionStorage: the
      // code never goes back to the server.
      sessionStorage.setItem('crisisroom_invite_' + inv.id, JSON.stringify(inv));
      const link = h('code#inv-url', { style: { wordBreak: 'break-all' } }, inv.url);
      const body = h('div.inv-created',
        h('p', h('strong', grantsText(inv.grants))),
        h('img#inv-qr', { src: inv.qr, alt: 'QR', style: { width: 'min(70vw, 22rem)', height: 'auto', display: 'block', margin: '.5rem auto', imageRendering: 'pixelated' } }),
        h('p.muted', t('inv_onceHint')),
        h('p', link),
        h('p.muted', t('inv_fingerprint') + ': ', h('code', { style: { wordBreak: 'break-all' } }, inv.fingerprint)));
      const print = h('button.btn.primary#inv-print', { type: 'button', onclick: () => window.open('/invite-print.html#' + inv.id, '_blank') }, t('inv_print'));
      const copy = h('button.btn', { type: 'button', onclick: async () => {
        try { await navigator.clipboard.writeText(inv.url); ctx.toast(t('inv_copied')); } catch { getSelection().selectAllChildren(link); }
      } }, t('inv_copy'));
      ctx.dialog(t('inv_created'), body, { actions: [copy, print], wide: true, onclose: () => sessionStorage.removeItem('crisisroom_invite_' + inv.id) });
    }

    async function loadList() {
      let list;
      try {
        list = items(await ctx.api.get(`/api/collections/invitations/records?perPage=200&sort=-created&expand=channel&filter=${q(`organisation='${ctx.tenant.id}'`)}`));
      } catch (e) { if (alive) clear(listBox, h('h2', t('inv_list')), h('p.error', e.message)); return; }
      if (!alive) return;
      const now = Date.now();
      const state = i => i.revoked ? 'revoked' : new Date(i.expires.replace(' ', 'T')) < now ? 'expired' : i.uses >= (i.max_uses || 1) ? 'used' : 'active';
      const what = i => {
        if (i.kind === 'guest') return t('inv_kind_guest') + ': ' + ((i.expand && i.expand.channel && i.expand.channel.name) || '');
        if (i.kind === 'device') return t('inv_kind_device') + ': ' + ((i.device && i.device.name) || '');
        if (i.kind === 'member') return t('role_' + i.role) + (i.function ? ' · ' + i.function : '');
        return t('inv_kind_organisation');
      };
      const rows = list.map(i => {
        const st = state(i);
        const revoke = st === 'active' ? h('button.btn', { type: 'button', onclick: async () => {
          if (!await confirmDialog(t('inv_revokeQ'), t('inv_revoke'))) return;
          try { await ctx.api.patch(`/api/collections/invitations/records/${i.id}`, { revoked: true }); ctx.toast(t('inv_revokedToast')); loadList(); }
          catch (e) { ctx.toast(e.message, 'error'); }
        } }, t('inv_revoke')) : null;
        return h('tr', { dataset: { id: i.id, state: st } },
          h('td', what(i), i.label ? h('div.muted', i.label) : null),
          h('td', `${i.uses || 0} / ${i.max_uses || 1}`),
          h('td', when(i.expires)),
          h('td', t('inv_' + st)),
          h('td', revoke));
      });
      clear(listBox, h('h2', t('inv_list'), orgChip(ctx.tenant)),
        rows.length ? h('table.list', h('thead', h('tr', [t('inv_what'), t('inv_usesCol'), t('inv_expires'), t('inv_state'), ''].map(x => h('th', x)))), h('tbody', rows))
          : h('p.muted', t('inv_none')));
    }
  },
};
