// The Blitz follow-up from the browser: remindUnacked(msgId) asks the server to remind
// everyone who has not yet acknowledged a message (Blitz or "Bestätigung anfordern") and
// answers the list of who still has not. The read-receipt dialog's "Erinnern" button
// calls it; the automatic follow-up after the set time needs nothing from the browser.

import { t, addStrings } from '../i18n.js';
import { api } from '../api.js';

addStrings({
  de: { sr_remind: 'Erinnern', sr_reminded: 'Erinnert: {names}', sr_remindedNone: 'Alle haben bestätigt.' },
  en: { sr_remind: 'Remind', sr_reminded: 'Reminded: {names}', sr_remindedNone: 'Everybody acknowledged.' },
});

// remindUnacked → {pending: [{id, name, username, function}]}; throws the server's
// refusal (not the author, too soon again: status 429).
export async function remindUnacked(msgId) {
  return api.post(`/api/crisisroom/messages/${encodeURIComponent(msgId)}/remind`, {});
}

// remindText is what a toast says after a reminder.
export function remindText(r) {
  const names = ((r && r.pending) || []).map(p => p.name + (p.function ? ` (${p.function})` : ''));
  return names.length ? t('sr_reminded', { names: names.join(', ') }) : t('sr_remindedNone');
}
