// "Geräte": host operators add the room's devices (sirens, relays, boards, fax), hand
// out their MQTT credentials once (text and QR code), and see who is there right now.
// The server makes the password and checks every right; this screen shows its answers.

import { addStrings, t } from '../i18n.js';
import { inLanguage } from '../api.js';
import { h, clear, dialog, fmtTime, orgChip } from '../ui.js';

addStrings({
  de: {
    dev_title: 'Geräte', dev_add: 'Gerät hinzufügen', dev_name: 'Bezeichnung', dev_username: 'Gerätename (MQTT-Benutzer)',
    dev_kind: 'Art', dev_driver: 'Treiber', dev_topic: 'Eigenes Thema (Tasmota-Topic, Shelly-ID, Präfix)', dev_zone: 'Zone',
    dev_channel: 'Kanal', dev_org: 'Organisation', dev_outdoor: 'Außensirene (zweite Bedienperson nötig)', dev_create: 'Anlegen',
    dev_boardChannels: 'Blitz/Sofort aus diesen Kanälen zeigen', dev_none: 'Noch keine Geräte.', dev_online: 'online', dev_offline: 'offline',
    dev_lastSeen: 'zuletzt {time}', dev_never: 'nie gesehen', dev_state: 'Zustand', dev_actions: 'Aktionen', dev_history: 'Verlauf',
    dev_newPassword: 'Neues Passwort', dev_newPasswordQ: 'Neues Passwort für {name}? Das alte gilt dann nicht mehr, das Gerät wird getrennt.',
    dev_credentials: 'Zugangsdaten für {name}', dev_once: 'Nur jetzt sichtbar: notieren oder den QR-Code mit dem Gerät scannen. Gespeichert wird nur ein Hash.',
    dev_outdoor: 'Außen', dev_signal_warning: 'Warnung', dev_signal_all_clear: 'Entwarnung', dev_signal_test: 'Probealarm', dev_signal_room_alarm: 'Raumalarm', dev_signal_other: 'anderes Signal',
    dev_act_pending: 'wartet auf Freigabe', dev_act_on: 'läuft', dev_act_stopped: 'gestoppt', dev_act_expired: 'beendet', dev_act_refused: 'abgelehnt', dev_act_failed: 'Fehler', dev_act_other: 'anderer Zustand',
    dev_audit_devices_create: 'Gerät angelegt', dev_audit_devices_password: 'Neues Passwort', dev_audit_update: 'Geändert', dev_audit_siren_on: 'Sirene ein', dev_audit_siren_stopped: 'Sirene gestoppt',
    dev_audit_siren_confirmed: 'Sirene freigegeben', dev_audit_siren_device_confirmed: 'Vom Gerät bestätigt', dev_audit_siren_refused: 'Auslösung abgelehnt', dev_audit_siren_awaiting_confirmation: 'Wartet auf Freigabe',
    dev_audit_siren_blitz_room_alarm: 'Raumalarm bei Blitz', dev_audit_siren_remote_request: 'Fernauslösung angefragt', dev_audit_siren_remote_refused: 'Fernauslösung abgelehnt',
    dev_audit_fax_queued: 'Fax in Warteschlange', dev_audit_fax_received: 'Fax empfangen', dev_audit_fax_test_ring: 'Testfax', dev_audit_other: 'Sonstiges',
    dev_password: 'Passwort', dev_url: 'MQTT-Adresse', dev_copy: 'Kopieren', dev_copied: 'Kopiert.', dev_historyOf: 'Verlauf von {name}',
    dev_activations: 'Sirenen-Auslösungen', dev_audit: 'Protokoll', dev_noHistory: 'Keine Einträge.', dev_kiosk: 'Tafel öffnen',
    dev_channelNone: '– keiner –', dev_kind_fax: 'Fax', dev_kind_sms: 'SMS-Modem', dev_signal: 'Signal {dbm} dBm', dev_sms_ready: 'bereit', dev_sms_offline: 'nicht verbunden', dev_sms_starting: 'startet', dev_sms_pin_required: 'PIN fehlt', dev_sms_pin_wrong: 'PIN falsch', dev_sms_sim_error: 'SIM-Fehler', dev_sms_no_network: 'kein Netz', dev_sms_other: 'Störung', dev_kind_siren: 'Sirene', dev_kind_board: 'Lagetafel', dev_kind_relay: 'Relais / Leuchte',
    dev_kind_bridge: 'Brücke', dev_kind_sensor: 'Sensor', dev_onlyOperators: 'Geräte verwalten Bedienpersonen des Krisenstabs.',
    dev_faxClass: 'Faxklasse {c}',
    dev_kind_homeassistant: 'Home-Assistant-Server', dev_relay: 'Relais Nr. (1 = erstes; Tasmota POWER<n>, Shelly relay/<n−1>)',
    dev_haRemote: 'Fernauslösung aus Home Assistant (sonst sieht Home Assistant nur den Zustand)',
    dev_relayShown: 'Relais {n}', dev_haRemoteOn: 'HA: auslösbar', dev_haReadOnly: 'HA: nur Zustand',
    dev_haToggleOn: 'HA-Fernauslösung erlauben', dev_haToggleOff: 'HA-Fernauslösung sperren',
  },
  en: {
    dev_title: 'Devices', dev_add: 'Add device', dev_name: 'Label', dev_username: 'Device name (MQTT user)',
    dev_kind: 'Kind', dev_driver: 'Driver', dev_topic: 'Own topic (Tasmota topic, Shelly id, prefix)', dev_zone: 'Zone',
    dev_channel: 'Channel', dev_org: 'Organisation', dev_outdoor: 'Outdoor siren (needs a second operator)', dev_create: 'Create',
    dev_boardChannels: 'Show Blitz/Sofort of these channels', dev_none: 'No devices yet.', dev_online: 'online', dev_offline: 'offline',
    dev_lastSeen: 'last {time}', dev_never: 'never seen', dev_state: 'State', dev_actions: 'Actions', dev_history: 'History',
    dev_newPassword: 'New password', dev_newPasswordQ: 'New password for {name}? The old one stops working and the device is disconnected.',
    dev_credentials: 'Credentials for {name}', dev_once: 'Shown only now: write them down or scan the QR code with the device. Only a hash is stored.',
    dev_outdoor: 'Outdoor', dev_signal_warning: 'Warning', dev_signal_all_clear: 'All clear', dev_signal_test: 'Test', dev_signal_room_alarm: 'Room alarm', dev_signal_other: 'other signal',
    dev_act_pending: 'waiting for confirmation', dev_act_on: 'sounding', dev_act_stopped: 'stopped', dev_act_expired: 'ended', dev_act_refused: 'refused', dev_act_failed: 'failed', dev_act_other: 'other state',
    dev_audit_devices_create: 'Device added', dev_audit_devices_password: 'New password', dev_audit_update: 'Changed', dev_audit_siren_on: 'Siren on', dev_audit_siren_stopped: 'Siren stopped',
    dev_audit_siren_confirmed: 'Siren confirmed', dev_audit_siren_device_confirmed: 'Confirmed by the device', dev_audit_siren_refused: 'Sounding refused', dev_audit_siren_awaiting_confirmation: 'Waiting for confirmation',
    dev_audit_siren_blitz_room_alarm: 'Room alarm on Blitz', dev_audit_siren_remote_request: 'Remote sounding requested', dev_audit_siren_remote_refused: 'Remote sounding refused',
    dev_audit_fax_queued: 'Fax queued', dev_audit_fax_received: 'Fax received', dev_audit_fax_test_ring: 'Test fax', dev_audit_other: 'Other',
    dev_password: 'Password', dev_url: 'MQTT address', dev_copy: 'Copy', dev_copied: 'Copied.', dev_historyOf: 'History of {name}',
    dev_activations: 'Siren activations', dev_audit: 'Audit log', dev_noHistory: 'No entries.', dev_kiosk: 'Open board',
    dev_channelNone: '– none –', dev_kind_fax: 'Fax', dev_kind_sms: 'SMS modem', dev_signal: 'signal {dbm} dBm', dev_sms_ready: 'ready', dev_sms_offline: 'not connected', dev_sms_starting: 'starting', dev_sms_pin_required: 'PIN missing', dev_sms_pin_wrong: 'wrong PIN', dev_sms_sim_error: 'SIM error', dev_sms_no_network: 'no network', dev_sms_other: 'fault', dev_kind_siren: 'Siren', dev_kind_board: 'Status board', dev_kind_relay: 'Relay / light',
    dev_kind_bridge: 'Bridge', dev_kind_sensor: 'Sensor', dev_onlyOperators: 'Devices are managed by the crisis staff\'s operators.',
    dev_faxClass: 'fax class {c}',
    dev_kind_homeassistant: 'Home Assistant server', dev_relay: 'Relay no. (1 = first; Tasmota POWER<n>, Shelly relay/<n−1>)',
    dev_haRemote: 'Remote activation from Home Assistant (otherwise Home Assistant only sees the state)',
    dev_relayShown: 'relay {n}', dev_haRemoteOn: 'HA: can sound', dev_haReadOnly: 'HA: state only',
    dev_haToggleOn: 'Allow HA remote activation', dev_haToggleOff: 'Block HA remote activation',
  },
});

const drivers = {
  siren: ['tasmota', 'shelly1', 'shelly2', 'homeassistant', 'native'],
  relay: ['shelly1', 'shelly2', 'tasmota', 'homeassistant', 'native'],
  board: ['kiosk', 'awtrix', 'wled', 'alpha'],
  fax: ['fax-class2', 'fax-class1'],
  bridge: ['fax-class2', 'fax-class1', 'alpha'],
  sensor: ['native'],
  homeassistant: [''],
  sms: ['sms-gsm'],
};
const isSiren = kind => kind === 'siren' || kind === 'relay';
const hasRelay = driver => driver === 'tasmota' || driver === 'shelly1' || driver === 'shelly2';
const items = r => (r && r.items) || [];
const q = s => encodeURIComponent(s);

// word shows a stored code (signal, state, audit action) in words; an unknown code shows
// a general word, never the raw code.
function word(prefix, code) {
  const k = prefix + String(code || '').replace(/[^a-z0-9]+/gi, '_');
  const w = t(k);
  return w === k ? t(prefix + 'other') : w;
}

export function presence(d) {
  // An SMS modem driven inside the appliance reports its state in sms_status, not by
  // MQTT presence: "bereit · Signal -73 dBm · zuletzt 20:14".
  const st = d.kind === 'sms' ? d.sms_status : null;
  if (st && st.state) {
    const on = st.state === 'ready';
    return h('span.dev-presence' + (on ? '.on' : ''), { dataset: { online: on ? '1' : '0', sms: st.state } },
      word('dev_sms_', st.state),
      st.signal_known ? h('span.muted.small', ' · ', t('dev_signal', { dbm: st.signal_dbm })) : null,
      st.updated ? h('span.muted.small', ' · ', t('dev_lastSeen', { time: fmtTime(st.updated) })) : null);
  }
  return h('span.dev-presence' + (d.online ? '.on' : ''), { dataset: { online: d.online ? '1' : '0' } },
    d.online ? t('dev_online') : t('dev_offline'),
    // Online without a recorded time says nothing more ("online · nie gesehen" contradicted itself).
    d.last_seen ? h('span.muted.small', ' · ', t('dev_lastSeen', { time: fmtTime(d.last_seen) })) : d.online ? null : h('span.muted.small', ' · ', t('dev_never')));
}

export function injectDeviceStyles() {
  // Its styles are in app.css: the CSP refuses injected <style> elements.
}

export default {
  id: 'devices',
  title: { de: 'Geräte', en: 'Devices' },
  icon: 'antenna',
  visible: ctx => ctx.hostOperator,
  render(el, ctx) {
    injectDeviceStyles();
    const page = h('div.view-page');
    el.append(page);
    if (!ctx.hostOperator) { page.append(h('div.panel', h('p', t('dev_onlyOperators')))); return () => {}; }
    const listBox = h('section.panel');
    const formBox = h('section.panel');
    page.append(listBox, formBox);
    let alive = true, devices = [], orgs = [], channels = [];
    const rows = new Map();

    const orgOf = id => orgs.find(o => o.id === id);
    function row(d) {
      const tr = h('tr', { dataset: { device: d.id, username: d.username } },
        h('td', h('b', d.name || d.username), h('div.muted.small', d.username), d.outdoor ? h('span.outdoor', t('dev_outdoor')) : null),
        h('td', t('dev_kind_' + d.kind), h('div.muted.small', d.driver || ''),
          // The class the modem answered AT+FCLASS=? with: fax-class2 falls back to Class 1.
          d.fax_class ? h('div.muted.small.fax-class', t('dev_faxClass', { c: d.fax_class })) : null,
          // The relay the siren hangs on and what Home Assistant may do with it.
          isSiren(d.kind) && hasRelay(d.driver) ? h('div.muted.small.dev-relay', t('dev_relayShown', { n: d.relay || 1 })) : null,
          isSiren(d.kind) ? h('span.dev-ha' + (d.ha_remote ? '.remote' : ''), t(d.ha_remote ? 'dev_haRemoteOn' : 'dev_haReadOnly')) : null),
        h('td', d.topic || '–', d.zone ? h('div.muted.small', t('dev_zone') + ': ' + d.zone) : null),
        h('td', orgChip(orgOf(d.organisation))),
        h('td.state', presence(d)),
        h('td',
          h('button.btn', { type: 'button', onclick: () => history(d) }, t('dev_history')), ' ',
          h('button.btn', { type: 'button', onclick: () => newPassword(d) }, t('dev_newPassword')), ' ',
          isSiren(d.kind) ? h('button.btn.dev-ha-toggle', { type: 'button', onclick: () => toggleRemote(d) }, t(d.ha_remote ? 'dev_haToggleOff' : 'dev_haToggleOn')) : null, ' ',
          d.kind === 'board' && d.driver === 'kiosk' ? h('a.btn', { href: '/board/' + encodeURIComponent(d.username), target: '_blank', rel: 'noopener' }, t('dev_kiosk')) : null));
      return tr;
    }
    async function toggleRemote(d) {
      try {
        await ctx.api.patch('/api/collections/devices/records/' + q(d.id), { ha_remote: !d.ha_remote });
        await load();
      } catch (e) { ctx.toast(e.message, 'error'); }
    }
    function renderList() {
      rows.clear();
      const body = h('tbody', devices.map(d => { const r = row(d); rows.set(d.id, r); return r; }));
      clear(listBox, h('h2', t('dev_title')),
        devices.length ? h('div', { style: { overflowX: 'auto' } }, h('table.list#devices',
          h('thead', h('tr', ['dev_name', 'dev_kind', 'dev_topic', 'dev_org', 'dev_state', 'dev_actions'].map(k => h('th', t(k))))), body))
          : h('p.muted', t('dev_none')));
    }

    async function load() {
      const [d, o, c] = await Promise.all([
        ctx.api.get('/api/collections/devices/records?perPage=500&sort=name'),
        ctx.api.get('/api/collections/organisations/records?perPage=200&sort=name'),
        ctx.api.get(`/api/collections/channels/records?perPage=500&sort=name&filter=${q(`archived = false && (kind = 'shared' || kind = 'org')`)}`),
      ]);
      if (!alive) return;
      devices = items(d); orgs = items(o); channels = items(c);
      renderList();
      renderForm();
    }

    function renderForm() {
      const f = {
        name: h('input', { maxlength: 120, required: true }),
        username: h('input', { maxlength: 48, required: true, pattern: '[a-z0-9][a-z0-9_\\-]*', autocapitalize: 'off', spellcheck: false }),
        kind: h('select', Object.keys(drivers).map(k => h('option', { value: k }, t('dev_kind_' + k)))),
        driver: h('select'),
        topic: h('input', { maxlength: 120 }),
        zone: h('input', { maxlength: 60, pattern: '[a-z0-9_\\-]*' }),
        org: h('select', orgs.map(o => h('option', { value: o.id, selected: o.kind === 'host' }, o.name))),
        channel: h('select', h('option', { value: '' }, t('dev_channelNone')), channels.map(c => h('option', { value: c.id }, c.name))),
        outdoor: h('input', { type: 'checkbox' }),
        relay: h('input', { type: 'number', min: 1, max: 32, value: 1 }),
        haRemote: h('input', { type: 'checkbox' }),
      };
      const boardChans = channels.filter(c => c.kind === 'shared').map(c => ({ c, cb: h('input', { type: 'checkbox', value: c.id }) }));
      const boardBox = h('div.orgpick', { role: 'group', 'aria-label': t('dev_boardChannels') }, boardChans.map(({ c, cb }) => h('label', cb, ' ', c.name)));
      const boardField = h('div', h('p.field', t('dev_boardChannels')), boardBox);
      const outdoorField = h('label', f.outdoor, ' ', t('dev_outdoor'));
      const relayField = h('label', t('dev_relay'), f.relay);
      const haField = h('label', f.haRemote, ' ', t('dev_haRemote'));
      const syncDriver = () => { relayField.hidden = !isSiren(f.kind.value) || !hasRelay(f.driver.value); };
      const syncKind = () => {
        clear(f.driver, drivers[f.kind.value].map(x => h('option', { value: x }, x)));
        boardField.hidden = f.kind.value !== 'board';
        outdoorField.hidden = f.kind.value !== 'siren';
        haField.hidden = !isSiren(f.kind.value);
        syncDriver();
      };
      f.kind.onchange = syncKind;
      f.driver.onchange = syncDriver;
      syncKind();
      f.name.oninput = () => {
        if (f.username.dataset.touched) return;
        f.username.value = f.name.value.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
      };
      f.username.oninput = () => { f.username.dataset.touched = '1'; };
      const lbl = (key, input) => h('label', t(key), input);
      const form = h('form#device-form',
        h('div.grid-form', lbl('dev_name', f.name), lbl('dev_username', f.username), lbl('dev_kind', f.kind), lbl('dev_driver', f.driver),
          lbl('dev_topic', f.topic), lbl('dev_zone', f.zone), lbl('dev_org', f.org), lbl('dev_channel', f.channel)),
        h('p', outdoorField), h('p', relayField), h('p', haField), boardField,
        h('button.btn.primary', { type: 'submit' }, t('dev_create')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        const body = {
          name: f.name.value.trim(), username: f.username.value.trim(), kind: f.kind.value, driver: f.driver.value,
          topic: f.topic.value.trim(), zone: f.zone.value.trim(), organisation: f.org.value, channel: f.channel.value,
          outdoor: f.kind.value === 'siren' && f.outdoor.checked,
          relay: isSiren(f.kind.value) && hasRelay(f.driver.value) ? Number(f.relay.value) || 1 : 0,
          ha_remote: isSiren(f.kind.value) && f.haRemote.checked,
        };
        if (body.kind === 'board') body.config = { channels: boardChans.filter(b => b.cb.checked).map(b => b.c.id) };
        try {
          const r = await ctx.api.post('/api/crisisroom/devices', body);
          showCredentials(r);
          form.reset(); delete f.username.dataset.touched; syncKind();
          await load();
        } catch (e) { ctx.toast(e.message, 'error'); }
      };
      clear(formBox, h('h2', t('dev_add')), form);
    }

    function showCredentials(r) {
      const copy = text => h('button.btn', { type: 'button', onclick: async () => {
        try { await navigator.clipboard.writeText(text); ctx.toast(t('dev_copied')); } catch { /* the text stays visible */ }
      } }, t('dev_copy'));
      dialog(t('dev_credentials', { name: r.record.name || r.username }), [
        h('p.notice', t('dev_once')),
        h('div.creds#credentials',
          h('span', t('dev_username')), h('code#cred-username', r.username),
          h('span', t('dev_password')), h('span', h('code#cred-password', r.password), ' ', copy(r.password)),
          h('span', t('dev_url')), h('span', h('code#cred-url', r.mqtt_url), ' ', copy(r.mqtt_url))),
        r.qr ? h('img.creds-qr', { src: r.qr, alt: 'QR: ' + r.mqtt_url }) : null,
      ], { wide: true });
    }

    async function newPassword(d) {
      if (!(await ctx.confirmDialog(t('dev_newPasswordQ', { name: d.name || d.username }), t('dev_newPassword')))) return;
      try { showCredentials(await ctx.api.post(`/api/crisisroom/devices/${d.id}/password`)); }
      catch (e) { ctx.toast(e.message, 'error'); }
    }

    async function history(d) {
      try {
        const r = await ctx.api.get(`/api/crisisroom/devices/${d.id}/history`);
        const acts = r.activations || [], audit = r.audit || [];
        dialog(t('dev_historyOf', { name: d.name || d.username }), [
          h('h3', t('dev_activations')),
          acts.length ? h('table.list', h('tbody', acts.map(a => h('tr',
            h('td', fmtTime(a.created)), h('td', word('dev_signal_', a.signal)), h('td', h('b', word('dev_act_', a.state))), h('td.small', inLanguage(a.reason || '')))))) : h('p.muted', t('dev_noHistory')),
          h('h3', t('dev_audit')),
          audit.length ? h('table.list', h('tbody', audit.map(x => h('tr',
            h('td', fmtTime(x.created)), h('td', word('dev_audit_', x.action)), h('td', x.actor_name || '–'))))) : h('p.muted', t('dev_noHistory')),
        ], { wide: true });
      } catch (e) { ctx.toast(e.message, 'error'); }
    }

    const unsub = ctx.realtime.subscribe('devices/*', ev => {
      if (!alive || !ev || !ev.record) return;
      const d = ev.record;
      const i = devices.findIndex(x => x.id === d.id);
      if (ev.action === 'delete') { if (i >= 0) devices.splice(i, 1); renderList(); return; }
      if (i < 0) { devices.push(d); renderList(); return; }
      devices[i] = d;
      const old = rows.get(d.id);
      if (old) { const r = row(d); old.replaceWith(r); rows.set(d.id, r); }
    });
    const unre = ctx.realtime.onReconnect(() => load().catch(() => {}));
    load().catch(e => { if (alive) clear(listBox, h('p.error', e.message)); });
    return () => { alive = false; unsub(); unre(); };
  },
};
