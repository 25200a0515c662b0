// invite-print.html: its script (a file, not inline: the CSP allows no inline scripts).
// The invitation's link and QR code exist only in the browser tab that created it
// (sessionStorage): the server keeps just the token's hash.
import { api } from '/js/api.js';
const id = location.hash.slice(1);
let inv = null;
try { inv = JSON.parse(sessionStorage.getItem('crisisroom_invite_' + id) || 'null'); } catch { inv = null; }
const $ = x => document.getElementById(x);
if (!inv || !inv.qr) {
  $('missing').hidden = false;
  $('print').hidden = true;
} else {
  const [de, en] = String(inv.grants || '').split(' / ');
  $('sheet').style.setProperty('--c', inv.color || '#b71c1c');
  $('chip').textContent = inv.short || '';
  $('org').textContent = inv.organisation || '';
  $('grants').textContent = de || '';
  $('grants-en').textContent = en || '';
  $('qr').src = inv.qr;
  const d = new Date(String(inv.expires || '').replace(' ', 'T'));
  $('expires').textContent = isNaN(d) ? inv.expires : d.toLocaleString('de-DE', { dateStyle: 'full', timeStyle: 'short', hourCycle: 'h23', timeZone: 'Europe/Berlin' });
  $('uses').textContent = (inv.max_uses || 1) + (inv.max_uses > 1 ? ' Personen / people' : ' Person / person');
  $('label').textContent = inv.label || '–';
  $('fp').textContent = inv.fingerprint || '';
  $('sheet').hidden = false;
  $('print').onclick = () => window.print();
  api.get('/api/crisisroom/trust', { noSignout: true }).then(tr => {
    if (!tr.trust_qr || (inv.url || '').startsWith('http:')) return;
    $('trust-qr').src = tr.trust_qr;
    $('trust-url').textContent = tr.trust_url;
    $('trust').hidden = false;
  }).catch(() => {});
}
