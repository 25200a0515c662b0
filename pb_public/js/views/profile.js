// "Profil": change one's own password (the old one is asked; the server keeps the rule
// that only the person changes it) and the display settings (text size, sound,
// notifications, channels muted). Reached from the user menu; no entry of its own in the
// main navigation. A profile picture is not offered: the initials stand for the person.

import { t, addStrings } from '../i18n.js';
import { api, saveAuth, auth } from '../api.js';
import { h, clear } from '../ui.js';
import { userMenuItems } from '../shell.js';
import { settings, saveSettings } from '../features/settings.js';
import { permission, requestPermission } from '../features/notify.js';
import { channelTitle, findChannel } from '../messaging/state.js';
import '../features/style.js';

addStrings({
  de: { sr_profile: 'Profil', sr_profileTitle: 'Profil und Einstellungen', sr_changePassword: 'Passwort ändern', sr_oldPassword: 'Bisheriges Passwort', sr_newPassword: 'Neues Passwort', sr_newPassword2: 'Neues Passwort wiederholen', sr_passwordChanged: 'Das Passwort wurde geändert.', sr_passwordMismatch: 'Die beiden neuen Passwörter stimmen nicht überein.', sr_passwordShort: 'Das neue Passwort braucht mindestens 10 Zeichen.', sr_oldWrong: 'Das bisherige Passwort stimmt nicht.', sr_display: 'Anzeige und Töne', sr_textSize: 'Schriftgröße', sr_size_normal: 'Normal', sr_size_large: 'Groß', sr_size_xlarge: 'Sehr groß', sr_sound: 'Töne bei Erwähnungen und Direktnachrichten', sr_notify: 'Browser-Benachrichtigungen', sr_muted: 'Stumm geschaltete Kanäle', sr_noneMuted: 'Keine. Im Kanal über das Glockensymbol stumm schalten.', sr_saved: 'Gespeichert.', sr_unmute: 'Wieder einschalten', sr_openProfile: 'Profil und Einstellungen' },
  en: { sr_profile: 'Profile', sr_profileTitle: 'Profile and settings', sr_changePassword: 'Change password', sr_oldPassword: 'Current password', sr_newPassword: 'New password', sr_newPassword2: 'Repeat new password', sr_passwordChanged: 'The password was changed.', sr_passwordMismatch: 'The two new passwords differ.', sr_passwordShort: 'The new password needs at least 10 characters.', sr_oldWrong: 'The current password is wrong.', sr_display: 'Display and sounds', sr_textSize: 'Text size', sr_size_normal: 'Normal', sr_size_large: 'Large', sr_size_xlarge: 'Very large', sr_sound: 'Sounds for mentions and direct messages', sr_notify: 'Browser notifications', sr_muted: 'Muted channels', sr_noneMuted: 'None. Mute a channel with the bell in its header.', sr_saved: 'Saved.', sr_unmute: 'Unmute', sr_openProfile: 'Profile and settings' },
});

function passwordForm(ctx) {
  const old = h('input#pw-old', { type: 'password', autocomplete: 'current-password', required: true });
  const n1 = h('input#pw-new', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const n2 = h('input#pw-new2', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const msg = h('p', { role: 'status' });
  const btn = h('button.btn.primary', { type: 'submit' }, t('sr_changePassword'));
  const f = h('form#password-form', { 'aria-labelledby': 'pw-title' }, h('h2#pw-title', t('sr_changePassword')),
    h('label.field', { for: 'pw-old' }, t('sr_oldPassword')), old,
    h('label.field', { for: 'pw-new' }, t('sr_newPassword')), n1,
    h('label.field', { for: 'pw-new2' }, t('sr_newPassword2')), n2, h('p', btn), msg);
  f.onsubmit = async ev => {
    ev.preventDefault();
    msg.className = 'error';
    if (n1.value.length < 10) { msg.textContent = t('sr_passwordShort'); return; }
    if (n1.value !== n2.value) { msg.textContent = t('sr_passwordMismatch'); return; }
    btn.disabled = true;
    try {
      await api.patch(`/api/collections/users/records/${ctx.me.id}`, { oldPassword: old.value, password: n1.value, passwordConfirm: n2.value });
      // A new password ends every session of the person (PocketBase renews the token
      // key): sign in again here with it, so this device stays signed in.
      const r = await api.post('/api/collections/users/auth-with-password', { identity: ctx.me.username, password: n1.value }, { noSignout: true });
      saveAuth(r.token, { ...(auth() || {}).record, ...r.record });
      if (ctx.realtime && ctx.realtime.resubscribe) ctx.realtime.resubscribe(); // the server ended the old connections
      old.value = n1.value = n2.value = '';
      msg.className = 'ok'; msg.textContent = t('sr_passwordChanged');
    } catch (e) {
      msg.textContent = e.status === 400 && e.data && e.data.oldPassword ? t('sr_oldWrong') : e.message;
    } finally { btn.disabled = false; }
  };
  return f;
}

function displayForm(ctx) {
  const s = settings();
  const size = h('select#text-size', ['normal', 'large', 'xlarge'].map(v => h('option', { value: v, selected: s.text_size === v }, t('sr_size_' + v))));
  const sound = h('input#set-sound', { type: 'checkbox', checked: !!s.sound });
  const notify = h('input#set-notify', { type: 'checkbox', checked: !!s.notify && permission() === 'granted' });
  const msg = h('p.ok', { role: 'status' });
  const muted = h('ul.plain#muted-list');
  const drawMuted = () => clear(muted, settings().muted.length ? settings().muted.map(id => {
    const c = findChannel(id);
    return h('li', c ? channelTitle(c) : id, ' ', h('button.btn', { type: 'button', onclick: async () => { await saveSettings({ muted: settings().muted.filter(x => x !== id) }); drawMuted(); } }, t('sr_unmute')));
  }) : h('li.muted', t('sr_noneMuted')));
  drawMuted();
  const save = async patch => { try { await saveSettings(patch); msg.textContent = t('sr_saved'); } catch (e) { msg.className = 'error'; msg.textContent = e.message; } };
  size.onchange = () => save({ text_size: size.value });
  sound.onchange = () => save({ sound: sound.checked });
  notify.onchange = async () => {
    if (notify.checked) { const p = await requestPermission(); notify.checked = p === 'granted'; if (p === 'granted') save({ notify: true }); }
    else save({ notify: false });
  };
  return h('form#display-form', { onsubmit: ev => ev.preventDefault() }, h('h2', t('sr_display')),
    h('label.field', { for: 'text-size' }, t('sr_textSize')), size,
    h('label.check', { for: 'set-sound' }, sound, t('sr_sound')),
    h('label.check', { for: 'set-notify' }, notify, t('sr_notify')),
    h('h3', t('sr_muted')), muted, msg);
}

userMenuItems.push(ctx => h('button.btn.wide#open-profile', { type: 'button', onclick: () => { document.querySelector('dialog[open]')?.close(); ctx.navigate('profile'); } }, t('sr_openProfile')));

export default {
  id: 'profile',
  title: { de: 'Profil', en: 'Profile' },
  icon: 'user',
  visible: () => false, // reached from the user menu
  render(el, ctx) {
    clear(el, h('section.profile-view', h('h1', t('sr_profileTitle')),
      h('p', h('b', ctx.me.name), ' · @', ctx.me.username), passwordForm(ctx), displayForm(ctx)));
  },
};
