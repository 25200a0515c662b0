// One's own display and notification settings, kept in users.settings on the server (so
// they follow the person to every device) and mirrored in localStorage (so they hold
// offline). Shape: {sound: bool, notify: bool, text_size: 'normal'|'large'|'xlarge',
// theme: 'light'|'dark'|'auto', muted: [channel ids]} (hooks/staffroom/settings.go).

import { api, auth } from '../api.js';

const KEY = 'crisisroom_settings';
const DEFAULTS = { sound: true, notify: true, text_size: 'normal', theme: 'auto', muted: [] };
const listeners = new Set();

export function settings() {
  let s = null;
  try { s = JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { /* ignore */ }
  if (!s) s = {};
  return { ...DEFAULTS, ...(s || {}) };
}

export function onSettings(fn) { listeners.add(fn); return () => listeners.delete(fn); }

// saveSettings merges patch into the settings and stores them on the server (own record).
export async function saveSettings(patch) {
  const next = { ...settings(), ...patch };
  localStorage.setItem(KEY, JSON.stringify(next));
  applySettings(next);
  for (const fn of listeners) { try { fn(next); } catch (e) { console.error(e); } }
  const a = auth();
  if (!a) return next;
  await api.post('/api/crisisroom/profile/settings', { settings: next });
  return next;
}

// loadSettings takes the server's copy after sign-in (another device may have changed it).
export async function loadSettings() {
  try {
    // Own settings only through the staffroom route (users.settings is a hidden field).
    const res = await api.get('/api/crisisroom/profile/settings');
    if (res && res.settings && typeof res.settings === 'object') localStorage.setItem(KEY, JSON.stringify({ ...DEFAULTS, ...res.settings }));
  } catch { /* offline: keep the local copy */ }
  applySettings(settings());
}

export function isMuted(channelId) { return settings().muted.includes(channelId); }

export async function toggleMute(channelId) {
  const m = new Set(settings().muted);
  if (m.has(channelId)) m.delete(channelId); else m.add(channelId);
  return saveSettings({ muted: [...m] });
}

// applySettings sets the text size on the page (rem-based styles follow it).
export function applySettings(s) {
  const size = { normal: '', large: '112.5%', xlarge: '125%' }[s.text_size] || '';
  document.documentElement.style.fontSize = size;
  document.documentElement.dataset.textSize = s.text_size || 'normal';
}
