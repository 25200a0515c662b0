// "Sirenen": host operators sound a siren or the room alarm, confirm an outdoor siren as
// the second person, and stop what is sounding. Sounding needs two deliberate steps (a
// dialog that names zone and signal, then holding the button), stopping needs one. The
// server decides who may do what and refuses a siren whose relay is offline.

import { addStrings, t } from '../i18n.js';
import { inLanguage } from '../api.js';
import { h, clear, fmtTime } from '../ui.js';

addStrings({
  de: {
    sir_title: 'Sirenen', sir_zone: 'Zone',
    rel_title: 'Sirene freigeben?', rel_what: '{signal} auf {name} (Zone „{zone}“) für {n} Sekunden.', rel_asked: 'Ausgelöst von {name} um {time}; Freigabe möglich bis {until}.',
    rel_hold: 'Gedrückt halten zum Freigeben', rel_outdoor: 'Die Außensirene ertönt sofort, wenn Sie freigeben.', rel_done: 'Freigegeben.', sir_sound: 'Auslösen', sir_siren: 'Sirene (Zone)', sir_signal: 'Signal', sir_duration: 'Dauer (Sekunden)',
    sir_warning: 'Warnung', sir_warning_d: '1 Minute auf- und abschwellender Heulton', sir_all_clear: 'Entwarnung', sir_all_clear_d: '1 Minute Dauerton',
    sir_test: 'Probealarm', sir_test_d: 'kurzer Probeton', sir_room_alarm: 'Raumalarm', sir_room_alarm_d: 'Leuchte und Summer im Stabsraum',
    sir_next: 'Weiter …', sir_confirmTitle: 'Sirene auslösen?', sir_confirmText: '{signal} in Zone „{zone}“ ({name}) für {n} Sekunden.',
    sir_hold: 'Gedrückt halten zum Auslösen', sir_holding: 'Halten …', sir_outdoorNote: 'Außensirene: eine zweite Bedienperson muss innerhalb von 2 Minuten bestätigen.',
    sir_running: 'Laufend und wartend', sir_none: 'Keine Sirene aktiv.', sir_stop: 'STOPP', sir_stopAll: 'ALLE STOPPEN',
    sir_confirm2: 'Als zweite Person freigeben', sir_requestedBy: 'ausgelöst von {name}', sir_confirmedBy: 'freigegeben von {name}',
    sir_stoppedBy: 'gestoppt von {name}', sir_until: 'bis {time}', sir_confirmBy: 'Freigabe bis {time}', sir_deviceOk: 'vom Gerät bestätigt',
    sir_deviceWait: 'Gerät hat noch nicht bestätigt', sir_history: 'Verlauf', sir_state_pending: 'wartet auf Freigabe', sir_state_on: 'läuft',
    sir_state_stopped: 'gestoppt', sir_state_expired: 'beendet', sir_state_refused: 'abgelehnt', sir_state_failed: 'Fehler',
    sir_blitz: 'Blitz löst Raumalarm aus', sir_blitzHelp: 'Eine Blitz-Nachricht in einem gemeinsamen Kanal oder einem Kanal des Krisenstabs schaltet den Raumalarm der Zone ein.',
    sir_blitzZone: 'Zone des Raumalarms', sir_blitzSeconds: 'Dauer (Sekunden)', sir_saved: 'Gespeichert.', sir_noSirens: 'Keine Sirenen oder Relais angelegt (siehe Geräte).',
    sir_outdoor: 'Außen', sir_onlyOperators: 'Sirenen bedienen Bedienpersonen des Krisenstabs.', sir_self: 'Sie haben ausgelöst; freigeben muss eine andere Person.',
  },
  en: {
    sir_title: 'Sirens', sir_zone: 'Zone',
    rel_title: 'Confirm the siren?', rel_what: '{signal} on {name} (zone “{zone}”) for {n} seconds.', rel_asked: 'Sounded by {name} at {time}; can be confirmed until {until}.',
    rel_hold: 'Press and hold to confirm', rel_outdoor: 'The outdoor siren sounds as soon as you confirm.', rel_done: 'Confirmed.', sir_sound: 'Sound', sir_siren: 'Siren (zone)', sir_signal: 'Signal', sir_duration: 'Duration (seconds)',
    sir_warning: 'Warning', sir_warning_d: '1 minute rising and falling tone', sir_all_clear: 'All clear', sir_all_clear_d: '1 minute continuous tone',
    sir_test: 'Test', sir_test_d: 'short test tone', sir_room_alarm: 'Room alarm', sir_room_alarm_d: 'light and buzzer in the staff room',
    sir_next: 'Next …', sir_confirmTitle: 'Sound the siren?', sir_confirmText: '{signal} in zone “{zone}” ({name}) for {n} seconds.',
    sir_hold: 'Press and hold to sound', sir_holding: 'Hold …', sir_outdoorNote: 'Outdoor siren: a second operator must confirm within 2 minutes.',
    sir_running: 'Sounding and waiting', sir_none: 'No siren active.', sir_stop: 'STOP', sir_stopAll: 'STOP ALL',
    sir_confirm2: 'Confirm as second person', sir_requestedBy: 'sounded by {name}', sir_confirmedBy: 'confirmed by {name}',
    sir_stoppedBy: 'stopped by {name}', sir_until: 'until {time}', sir_confirmBy: 'confirm by {time}', sir_deviceOk: 'confirmed by the device',
    sir_deviceWait: 'device has not confirmed yet', sir_history: 'History', sir_state_pending: 'waiting for confirmation', sir_state_on: 'sounding',
    sir_state_stopped: 'stopped', sir_state_expired: 'ended', sir_state_refused: 'refused', sir_state_failed: 'failed',
    sir_blitz: 'Blitz sets off the room alarm', sir_blitzHelp: 'A Blitz message in a shared channel or a channel of the crisis staff switches on the room alarm of the zone.',
    sir_blitzZone: 'Room alarm zone', sir_blitzSeconds: 'Duration (seconds)', sir_saved: 'Saved.', sir_noSirens: 'No sirens or relays yet (see Devices).',
    sir_outdoor: 'Outdoor', sir_onlyOperators: 'Sirens are operated by the crisis staff\'s operators.', sir_self: 'You sounded it; another person must confirm.',
  },
});

const HOLD_MS = 1500;
const who = (a, key) => (a.expand && a.expand[key] && (a.expand[key].name || a.expand[key].username)) || '';

// zoneLabel: a zone's id ("rathaus", "stabsraum_2") as people read it ("Rathaus", "Stabsraum 2").
export const zoneLabel = z => String(z || '').replace(/[_-]+/g, ' ').trim().replace(/(^|\s)\S/g, c => c.toUpperCase());

// holdDialog: a dialog with body and a button that acts only after being held for
// HOLD_MS (pointer or Space/Enter): a stray click or tap does nothing.
export function holdDialog(ctx, title, body, label, action, id = 'siren-hold') {
  const fill = h('span.fill');
  const btn = h('button.btn.hold', { type: 'button', id }, fill, h('span', label));
  let start = 0, raf = 0, done = false;
  const dlg = ctx.dialog(title, [...body, btn]);
  const step = () => {
    const p = Math.min(1, (performance.now() - start) / HOLD_MS);
    fill.style.width = (p * 100) + '%';
    if (p >= 1 && !done) { done = true; action(dlg); return; }
    raf = requestAnimationFrame(step);
  };
  const down = ev => { ev.preventDefault(); if (done) return; start = performance.now(); raf = requestAnimationFrame(step); };
  const up = () => { cancelAnimationFrame(raf); if (!done) fill.style.width = '0'; };
  btn.addEventListener('pointerdown', down);
  btn.addEventListener('keydown', ev => { if ((ev.key === ' ' || ev.key === 'Enter') && !ev.repeat) down(ev); });
  ['pointerup', 'pointerleave', 'pointercancel'].forEach(e => btn.addEventListener(e, up));
  btn.addEventListener('keyup', up);
  return dlg;
}

// releaseDialog: the second operator's release of a pending activation (expanded device
// and requested_by), naming signal, duration, who asked and when; held like sounding.
export function releaseDialog(ctx, a, done) {
  const dev = (a.expand && a.expand.device) || {};
  const name = dev.name || dev.username || '?';
  holdDialog(ctx, t('rel_title'), [
    h('p', h('b', t('rel_what', { signal: t('sir_' + a.signal), name, zone: zoneLabel(dev.zone) || '–', n: a.duration }))),
    h('p', t('rel_asked', { name: who(a, 'requested_by') || '–', time: fmtTime(a.created), until: fmtTime(a.confirm_by) })),
    dev.outdoor ? h('p.notice', t('rel_outdoor')) : null,
  ], t('rel_hold'), async dlg => {
    try { await ctx.api.patch(`/api/collections/siren_activations/records/${a.id}`, { confirmed_by: ctx.me.id }); ctx.toast(t('rel_done')); }
    catch (e) { ctx.toast(e.message, 'error'); }
    dlg.close();
    done && done();
  }, 'release-hold');
}

const SIGNALS = [['warning', 60], ['all_clear', 60], ['test', 12], ['room_alarm', 30]];
const items = r => (r && r.items) || [];
const q = s => encodeURIComponent(s);

function injectStyles() {
  // Its styles are in app.css: the CSP refuses injected <style> elements.
}

export default {
  id: 'sirens',
  title: { de: 'Sirenen', en: 'Sirens' },
  icon: 'siren',
  visible: ctx => ctx.hostOperator,
  render(el, ctx) {
    injectStyles();
    const page = h('div.view-page');
    el.append(page);
    if (!ctx.hostOperator) { page.append(h('div.panel', h('p', t('sir_onlyOperators')))); return () => {}; }
    const runBox = h('section.panel#sirens-running'), soundBox = h('section.panel'), histBox = h('section.panel'), blitzBox = h('section.panel');
    page.append(runBox, soundBox, histBox);
    const isHostAdmin = ctx.tenants.some(x => x.kind === 'host' && x.role === 'admin');
    if (isHostAdmin && ctx.host) page.append(blitzBox);
    let alive = true, devices = [], acts = [], tick = 0;

    async function loadDevices() {
      const r = await ctx.api.get(`/api/collections/devices/records?perPage=500&sort=name&filter=${q(`kind = 'siren' || kind = 'relay'`)}`);
      devices = items(r);
    }
    async function loadActs() {
      const r = await ctx.api.get('/api/collections/siren_activations/records?perPage=40&sort=-created&expand=device,requested_by,confirmed_by,stopped_by');
      acts = items(r);
    }
    async function load() {
      await Promise.all([loadDevices(), loadActs()]);
      if (!alive) return;
      renderRunning(); renderSound(); renderHistory();
      if (isHostAdmin && ctx.host) renderBlitz();
    }

    const devName = a => (a.expand && a.expand.device && (a.expand.device.name || a.expand.device.username)) || (devices.find(d => d.id === a.device) || {}).name || '?';
    const devZone = a => (a.expand && a.expand.device && a.expand.device.zone) || (devices.find(d => d.id === a.device) || {}).zone || '';

    async function stop(a) {
      try { await ctx.api.patch(`/api/collections/siren_activations/records/${a.id}`, { state: 'stopped' }); }
      catch (e) { ctx.toast(e.message, 'error'); }
    }

    function renderRunning() {
      const live = acts.filter(a => a.state === 'on' || a.state === 'pending');
      const rows = live.map(a => {
        const mine = a.requested_by === ctx.me.id;
        return h('div.act' + (a.state === 'pending' ? '.pending' : ''), { dataset: { activation: a.id, state: a.state } },
          h('div.what',
            h('b', devName(a), ' · ', t('sir_' + a.signal)),
            h('div', h('span.state-badge.' + a.state, t('sir_state_' + a.state)), ' ',
              a.state === 'on' ? t('sir_until', { time: fmtTime(a.ends) }) : t('sir_confirmBy', { time: fmtTime(a.confirm_by) }), ' · ',
              a.state === 'on' ? h('span.device-confirmed', a.confirmed ? '✔ ' + t('sir_deviceOk') : t('sir_deviceWait')) : null),
            h('div.small', t('sir_requestedBy', { name: who(a, 'requested_by') || '–' }),
              a.confirmed_by ? ' · ' + t('sir_confirmedBy', { name: who(a, 'confirmed_by') || '–' }) : '')),
          a.state === 'pending' ? (mine ? h('span.small.muted', t('sir_self')) :
            h('button.btn.primary.confirm2', { type: 'button', onclick: () => releaseDialog(ctx, a, refreshActs) }, t('sir_confirm2'))) : null,
          h('button.btn.stop', { type: 'button', onclick: () => stop(a), 'aria-label': t('sir_stop') + ' ' + devName(a) }, '■ ' + t('sir_stop')));
      });
      clear(runBox, h('h2', t('sir_running')),
        live.length ? rows : h('p.muted', t('sir_none')),
        live.length > 1 ? h('button.btn.stop.all', { type: 'button', onclick: () => live.forEach(stop) }, '■ ' + t('sir_stopAll')) : null);
    }

    function renderSound() {
      if (!devices.length) { clear(soundBox, h('h2', t('sir_sound')), h('p.muted', t('sir_noSirens'))); return; }
      const sel = h('select#siren-device', devices.map(d => h('option', { value: d.id }, `${d.name || d.username} – ${t('sir_zone')} ${zoneLabel(d.zone) || '–'}${d.outdoor ? ' – ' + t('sir_outdoor') : ''}${d.online ? '' : ' (offline)'}`)));
      const dur = h('input#siren-duration', { type: 'number', min: 1, max: 600, value: 60 });
      const radios = SIGNALS.map(([s, secs], i) => {
        const r = h('input', { type: 'radio', name: 'signal', value: s, checked: i === 0, onchange: () => { dur.value = secs; } });
        return h('label.sig-opt', r, h('span', h('b', t('sir_' + s)), h('span.small.muted', t('sir_' + s + '_d'))));
      });
      const form = h('form#siren-form', h('div.grid-form', h('label', t('sir_siren'), sel), h('label', t('sir_duration'), dur)),
        h('p.field', t('sir_signal')), h('div.sig-opts', { role: 'radiogroup', 'aria-label': t('sir_signal') }, radios),
        h('p', h('button.btn.primary', { type: 'submit' }, t('sir_next'))));
      form.onsubmit = ev => {
        ev.preventDefault();
        const d = devices.find(x => x.id === sel.value);
        const signal = form.querySelector('input[name=signal]:checked').value;
        const n = Math.max(1, Math.min(600, parseInt(dur.value, 10) || 60));
        confirmSound(d, signal, n);
      };
      clear(soundBox, h('h2', t('sir_sound')), form);
    }

    // confirmSound names zone and signal and asks the operator to hold the button: a
    // stray click or tap cannot sound a siren.
    function confirmSound(d, signal, n) {
      holdDialog(ctx, t('sir_confirmTitle'), [
        h('p', h('b', t('sir_confirmText', { signal: t('sir_' + signal), zone: zoneLabel(d.zone) || '–', name: d.name || d.username, n }))),
        d.outdoor ? h('p.notice', t('sir_outdoorNote')) : null,
        d.online ? null : h('p.error', 'Gerät offline: die Anlage wird das Einschalten ablehnen. / Device offline: the appliance will refuse.'),
      ], t('sir_hold'), async dlg => {
        try {
          const a = await ctx.api.post('/api/collections/siren_activations/records', { device: d.id, signal, duration: n, requested_by: ctx.me.id });
          if (a.state === 'refused') ctx.toast(inLanguage(a.reason), 'error');
          dlg.close();
          await loadActs(); if (alive) { renderRunning(); renderHistory(); }
          // What now sounds, with its STOPP, must be in sight: the page was scrolled to the form.
          if (alive) { runBox.scrollIntoView({ block: 'start' }); runBox.querySelector('button.stop')?.focus({ preventScroll: true }); }
        } catch (e) { ctx.toast(e.message, 'error'); dlg.close(); }
      });
    }

    function renderHistory() {
      clear(histBox, h('h2', t('sir_history')), h('table.list#siren-history', h('tbody', acts.slice(0, 20).map(a => h('tr', { dataset: { activation: a.id } },
        h('td', fmtTime(a.created)), h('td', devName(a), h('div.small.muted', devZone(a) ? t('sir_zone') + ' ' + zoneLabel(devZone(a)) : '')), h('td', t('sir_' + a.signal)),
        h('td', h('span.state-badge.' + a.state, t('sir_state_' + a.state)), a.reason ? h('div.small.muted', inLanguage(a.reason)) : null),
        h('td.small', t('sir_requestedBy', { name: who(a, 'requested_by') || '–' }),
          a.confirmed_by ? h('div', t('sir_confirmedBy', { name: who(a, 'confirmed_by') })) : null,
          a.stopped_by ? h('div', t('sir_stoppedBy', { name: who(a, 'stopped_by') })) : null))))));
    }

    async function renderBlitz() {
      let host;
      try { host = await ctx.api.get(`/api/collections/organisations/records/${ctx.host.id}`); } catch { return; }
      if (!alive) return;
      const on = h('input#blitz-on', { type: 'checkbox', checked: !!host.blitz_room_alarm });
      const zone = h('input#blitz-zone', { value: host.room_alarm_zone || '', pattern: '[a-z0-9_\\-]*', maxlength: 60 });
      const secs = h('input#blitz-seconds', { type: 'number', min: 0, max: 600, value: host.room_alarm_seconds || 30 });
      const form = h('form.grid-form', h('label', h('span', on, ' ', t('sir_blitz'))), h('label', t('sir_blitzZone'), zone), h('label', t('sir_blitzSeconds'), secs),
        h('button.btn.primary', { type: 'submit' }, t('save')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try {
          await ctx.api.patch(`/api/collections/organisations/records/${ctx.host.id}`, { blitz_room_alarm: on.checked, room_alarm_zone: zone.value.trim(), room_alarm_seconds: parseInt(secs.value, 10) || 0 });
          ctx.toast(t('sir_saved'));
        } catch (e) { ctx.toast(e.message, 'error'); }
      };
      clear(blitzBox, h('h2', t('sir_blitz')), h('p.muted', t('sir_blitzHelp')), form);
    }

    const refreshActs = async () => { await loadActs(); if (alive) { renderRunning(); renderHistory(); } };
    const un1 = ctx.realtime.subscribe('siren_activations/*', () => { refreshActs().catch(() => {}); });
    const un2 = ctx.realtime.subscribe('devices/*', ev => {
      if (!ev || !ev.record || (ev.record.kind !== 'siren' && ev.record.kind !== 'relay')) return;
      const i = devices.findIndex(d => d.id === ev.record.id);
      if (i >= 0) devices[i] = ev.record;
    });
    const un3 = ctx.realtime.onReconnect(() => load().catch(() => {}));
    // Countdowns and the pending deadline move without any event.
    tick = setInterval(() => { if (alive && acts.some(a => a.state === 'on' || a.state === 'pending')) refreshActs().catch(() => {}); }, 5000);
    load().catch(e => { if (alive) clear(runBox, h('p.error', e.message)); });
    return () => { alive = false; un1(); un2(); un3(); clearInterval(tick); };
  },
};

