// trust.html: its script (a file, not inline: the CSP allows no inline scripts).
import { api } from '/js/api.js';

try {
  const tr = await api.get('/api/crisisroom/trust', { noSignout: true });
  document.getElementById('fp').textContent = 'SHA-256: ' + tr.fingerprint;
  if (tr.custom) document.getElementById('custom').hidden = false;
  if (tr.https_port) {
    const host = location.hostname.includes(':') ? '[' + location.hostname + ']' : location.hostname;
    document.getElementById('continue').href = 'https://' + host + ':' + tr.https_port + '/';
  }
} catch {
  document.getElementById('fp').textContent = 'Fingerabdruck nicht abrufbar / fingerprint not available';
}
