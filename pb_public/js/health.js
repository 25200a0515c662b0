// The room's IT health page: last backup, its size and age, a running backup's progress,
// the backup schedule, free disk, database sizes and the standby's replication lag. It reads
// /api/crisisroom/health every 2 s with a PocketBase superuser token (kept in sessionStorage).
import { api as shared } from "/js/api.js";

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("crisisroom_it_token") || "";

// api: the shared request code (js/api.js: errors in the user's language) with this
// page's own superuser token; a 401 here never signs a person out of the main app.
async function api(method, path, body) {
  const opts = { headers: token ? { Authorization: token } : {}, noSignout: true };
  switch (method) {
    case "GET": return shared.get(path, opts);
    case "PUT": return shared.put(path, body, opts);
    case "PATCH": return shared.patch(path, body, opts);
    default: return shared.post(path, body, opts);
  }
}

const bytes = (n) => {
  if (!n) return "0 B";
  const u = ["B", "KB", "MB", "GB", "TB"];
  const i = Math.min(u.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return (n / 1024 ** i).toFixed(i ? 1 : 0) + " " + u[i];
};
const age = (s) => (s < 120 ? Math.round(s) + " s" : s < 7200 ? Math.round(s / 60) + " min" : (s / 3600).toFixed(1) + " h");

function list(el, rows) {
  el.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    return [dt, dd];
  }));
}

let settingsShown = false;
async function refresh() {
  let h;
  try {
    h = await api("GET", "/api/crisisroom/health");
  } catch (e) {
    if (e.status === 401 || e.status === 403) return showLogin("Bitte als Superuser anmelden. / Please sign in as a superuser.");
    return;
  }
  $("login").hidden = true;
  $("health").hidden = false;
  const b = h.backup, last = b.state.last;
  $("overdue").hidden = !b.overdue;
  list($("backup"), [
    ["Letzte Sicherung / last backup", last ? new Date(last.started).toLocaleString("de-DE", { hourCycle: "h23", timeZone: "Europe/Berlin" }) + " (vor / ago " + age(h.backup.age_seconds) + ")" : "noch keine / none yet"],
    ["Größe / size", last ? bytes(last.size) + ", " + last.files + " Dateien / files, " + last.messages + " Nachrichten / messages" : "–"],
    ["Archiv / archive", last ? last.path : "–"],
    ["Letzter Fehler / last error", b.state.last_error || "–"],
  ]);
  const p = b.progress;
  $("progress").hidden = !b.running;
  if (p) $("progress").value = p.total ? Math.round((100 * p.done) / p.total) : 0;
  $("now").disabled = b.running;
  if (!settingsShown) {
    settingsShown = true;
    $("folder").value = b.settings.folder || "";
    $("interval").value = b.settings.interval || 0;
    $("keep").value = b.settings.keep || 0;
  }
  const d = h.disk, db = h.database;
  list($("disk"), [
    ["Frei / free", bytes(d.free) + " von / of " + bytes(d.total) + " (" + d.path + ")"],
    ["data.db", bytes(db.data) + " + WAL " + bytes(db.data_wal)],
    ["auxiliary.db", bytes(db.auxiliary)],
    ["Schreibfehler / write refusals", d.problem.count ? d.problem.count + " (" + d.problem.kind + ", " + new Date(d.problem.at).toLocaleString("de-DE", { hourCycle: "h23", timeZone: "Europe/Berlin" }) + ")" : "keine / none"],
  ]);
  const r = h.replication;
  list($("replication"), r ? Object.entries(r).map(([k, v]) => [k, String(v)]) : [["Replikation / replication", "nicht eingerichtet / not set up"]]);
}

function showLogin(msg) {
  $("health").hidden = true;
  $("login").hidden = false;
  $("login-msg").textContent = msg || "";
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const r = await api("POST", "/api/collections/_superusers/auth-with-password", { identity: $("email").value, password: $("password").value });
    token = r.token;
    sessionStorage.setItem("crisisroom_it_token", token);
    refresh();
  } catch (e) {
    $("login-msg").textContent = e.message;
  }
});
$("now").addEventListener("click", async () => {
  try {
    await api("POST", "/api/crisisroom/backup");
    $("now-msg").textContent = "Sicherung läuft / backup running";
  } catch (e) {
    $("now-msg").textContent = e.message;
  }
  refresh();
});
$("settings").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await api("PUT", "/api/crisisroom/backup/settings", { folder: $("folder").value.trim(), interval: +$("interval").value, keep: +$("keep").value });
    $("settings-msg").textContent = "Gespeichert / saved";
  } catch (e) {
    $("settings-msg").textContent = e.message;
  }
});

if (token) refresh(); else showLogin();
setInterval(() => { if (token) refresh(); }, 2000);
