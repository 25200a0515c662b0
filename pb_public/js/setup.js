// setup.html: its script (a file, not inline: the CSP allows no inline scripts).
import { t, lang, setLang, addStrings } from '/js/i18n.js';
import { saveAuth, serverMessage } from '/js/api.js';
addStrings({
  de: {
    setup_title: 'Ersteinrichtung', setup_intro: 'Legen Sie den Krisenstab (die gastgebende Organisation) und das erste Admin-Konto an.',
    setup_org: 'Name der Organisation', setup_short: 'Kurzname', setup_name: 'Ihr Name', setup_username: 'Benutzername',
    setup_password: 'Passwort (mindestens 10 Zeichen)', setup_token: 'Einrichtungscode (steht im Terminal des Servers)',
    setup_submit: 'Einrichten', setup_wait: 'Bitte warten …', setup_done: 'Eingerichtet. Sie werden angemeldet …', setup_offline: 'Keine Verbindung zum Server.',
  },
  en: {
    setup_title: 'First setup', setup_intro: 'Create the crisis staff (the host organisation) and its first admin account.',
    setup_org: 'Organisation name', setup_short: 'Short name', setup_name: 'Your name', setup_username: 'User name',
    setup_password: 'Password (at least 10 characters)', setup_token: 'Setup code (shown in the server’s terminal)',
    setup_submit: 'Set up', setup_wait: 'Please wait …', setup_done: 'Done. Signing you in …', setup_offline: 'No connection to the server.',
  },
});
const f = document.getElementById('f'), msg = document.getElementById('msg'), langBtn = document.getElementById('lang');
function paint() {
  document.documentElement.lang = lang();
  document.title = 'crisisroom – ' + t('setup_title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  langBtn.textContent = lang() === 'de' ? 'English' : 'Deutsch';
}
langBtn.onclick = () => { setLang(lang() === 'de' ? 'en' : 'de'); paint(); };
paint();
f.token.value = decodeURIComponent(location.hash.slice(1));
f.addEventListener('submit', async ev => {
  ev.preventDefault();
  msg.className = ''; msg.textContent = t('setup_wait');
  const body = Object.fromEntries(new FormData(f));
  let r, data = {};
  try {
    r = await fetch('/api/crisisroom/setup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    data = await r.json().catch(() => ({}));
  } catch { msg.className = 'error'; msg.textContent = t('setup_offline'); return; }
  if (!r.ok) { msg.className = 'error'; msg.textContent = serverMessage(data, r.status); return; }
  saveAuth(data.token, data.record);
  msg.className = 'ok'; msg.textContent = t('setup_done');
  setTimeout(() => location.href = '/', 600);
});
