// A person's mobile number (E.164) and the choice to get Blitz messages by SMS while not
// connected: phoneField(ctx, userId) returns a small form for the person themself or an
// admin of their organisation. The server shows and changes the number only for them
// (GET/PUT /api/crisisroom/phones/{user}); the profile page may mount this form too.

import { t, addStrings } from './i18n.js';
import { h } from './ui.js';
import { auth, serverMessage } from './api.js';

addStrings({
  de: {
    ph_number: 'Mobilnummer (international, z. B. +49 170 1234567)', ph_blitz: 'Blitz-Nachrichten per SMS, wenn ich nicht verbunden bin (nach 60 s ohne Bestätigung)',
    ph_save: 'Speichern', ph_saved: 'Gespeichert.', ph_hint: 'Sichtbar nur für Sie, die Admins Ihrer Organisation und die Leitung des Krisenstabs. Im Alarmfall kommt eine SMS, wenn Sie nicht verbunden sind; Antwort „1 20“ = komme in 20 Minuten, „2“ = komme nicht, „OK“ bestätigt einen Blitz.',
  },
  en: {
    ph_number: 'Mobile number (international, e.g. +49 170 1234567)', ph_blitz: 'Blitz messages by SMS while I am not connected (after 60 s without acknowledgement)',
    ph_save: 'Save', ph_saved: 'Saved.', ph_hint: 'Visible only to you, your organisation\'s admins and the crisis staff\'s admins and operators. In a call-out you get an SMS when not connected; answer "1 20" = coming in 20 minutes, "2" = not coming, "OK" acknowledges a Blitz.',
  },
});

async function put(path, body) {
  const a = auth();
  const res = await fetch(path, { method: 'PUT', headers: { 'Content-Type': 'application/json', ...(a ? { Authorization: a.token } : {}) }, body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new Error(serverMessage(data, res.status));
  return data;
}

export function phoneField(ctx, userId) {
  const number = h('input', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', name: 'number', pattern: '\\+?[0-9 ()./-]*', maxlength: '24' });
  const blitz = h('input', { type: 'checkbox', name: 'blitz_sms' });
  const msg = h('p.muted', { role: 'status' });
  const save = h('button.btn.primary', { type: 'submit' }, t('ph_save'));
  const form = h('form.phone-field', { onsubmit: async e => {
    e.preventDefault();
    save.disabled = true;
    try {
      const r = await put(`/api/crisisroom/phones/${encodeURIComponent(userId)}`, { number: number.value.trim(), blitz_sms: blitz.checked });
      number.value = r.number || ''; blitz.checked = !!r.blitz_sms;
      msg.textContent = t('ph_saved');
    } catch (err) { msg.textContent = err.message; }
    save.disabled = false;
  } },
  h('label.field', t('ph_number'), number),
  h('label', { style: { display: 'flex', gap: '.5rem', alignItems: 'flex-start', margin: '.6rem 0' } }, blitz, h('span', t('ph_blitz'))),
  h('p.muted', t('ph_hint')), save, msg);
  ctx.api.get(`/api/crisisroom/phones/${encodeURIComponent(userId)}`).then(r => {
    number.value = r.number || ''; blitz.checked = !!r.blitz_sms;
    if (!r.editable) { number.disabled = blitz.disabled = save.disabled = true; }
  }).catch(e => { msg.textContent = e.message; });
  return form;
}
