// Every word the app shows, German first, English second. Views add their own strings
// with addStrings({de:{...}, en:{...}}) at module load. t('key', {n: 3}) fills {n}.

const strings = {
  de: {
    appName: 'crisisroom', appTitle: 'crisisroom – Krisenstab',
    tagline: 'Der Messenger des Krisenstabs',
    identity: 'Benutzername oder E-Mail', password: 'Passwort', signIn: 'Anmelden', pleaseWait: 'Bitte warten …',
    signInFailed: 'Benutzername oder Passwort stimmt nicht.', offlineSignIn: 'Keine Verbindung zum Krisenstab-Server. Bitte Netzwerk prüfen.',
    signedOutNotice: 'Sie wurden abgemeldet. Alle Daten auf diesem Gerät wurden gelöscht.',
    firstSetup: 'Ersteinrichtung', switchLanguage: 'Sprache wechseln / switch language',
    organisations: 'Organisationen', areas: 'Bereiche', messages: 'Nachrichten', navMore: 'Mehr', bannerExpand: 'Klicken: ganzer Text', nav_journal: 'ETB', nav_callout: 'Alarmieren',
    connecting: 'Verbinde …', offline: 'Keine Verbindung',
    noTenant: 'Sie gehören noch keiner Organisation an. Bitten Sie Ihre Leitung um eine Einladung.',
    unreadN: '{n} ungelesen', until: 'bis {date}',
    role_admin: 'Admin', role_operator: 'Bediener/in', role_member: 'Mitglied', role_guest: 'Gast', guestAuthorHint: 'Externer Gast: spricht nicht für die Organisation, die eingeladen hat',
    signOut: 'Abmelden', signedInDevices: 'Angemeldete Geräte', signOutEverywhere: 'Auf allen Geräten abmelden', signOutEverywhereQ: 'Auf allen Geräten abmelden? Dort wird alles Gespeicherte gelöscht.', browserOn: '{browser} auf {os}',
    sessionsHelp: 'Auf diesen Geräten sind Sie angemeldet. Ist ein Gerät verloren oder fremd, tippen Sie unten auf „Auf allen Geräten abmelden“ oder bitten Sie die Admins Ihrer Organisation darum.',
    device: 'Gerät', signedInAt: 'Angemeldet', lastSeen: 'Zuletzt aktiv', thisDevice: 'dieses Gerät', noSessions: 'Keine Anmeldungen gefunden.', unknownDevice: 'Unbekanntes Gerät',
    loading: 'Lädt …', close: 'Schließen', cancel: 'Abbrechen', yes: 'Ja', pleaseConfirm: 'Bitte bestätigen', save: 'Speichern', delete: 'Löschen', edit: 'Bearbeiten', reply: 'Antworten',
    channels: 'Kanäle', orgChannels: 'Meine Organisation', sharedChannels: 'Gemeinsame Lagekanäle', conversations: 'Direkt und Gruppen',
    noChannels: 'Keine Kanäle.', noConversations: 'Noch keine Gespräche.', direct: 'Direktgespräch', unnamed: 'Ohne Namen',
    newDirect: 'Direktnachricht', newGroup: 'Neue Gruppe', newDirectHelp: 'Sie können allen schreiben, mit denen Sie einen Kanal teilen.',
    people: 'Personen', searchPeople: 'Name suchen …', nobodyFound: 'Niemand gefunden.',
    groupName: 'Name der Gruppe', groupMembers: 'Mitglieder', createGroup: 'Gruppe anlegen', nameNeeded: 'Bitte einen Namen eingeben.',
    someNotAdded: 'Nicht alle wurden hinzugefügt:',
    chooseChannel: 'Wählen Sie links einen Kanal.', removedFromChannel: 'Sie wurden aus diesem Kanal entfernt.', backToChannels: 'Zurück zur Kanalliste', conversation: 'Gespräch',
    sharedWith: 'Gemeinsam mit', searchPlaceholder: 'Im Kanal suchen', searchInChannel: 'In diesem Kanal suchen', searching: 'Sucht …',
    searchResults: '{n} Treffer für „{q}“.', searchResultsMore: 'Die neuesten {n} Treffer für „{q}“', searchOlder: 'ältere laden', olderPartShown: 'Ältere Nachrichten um den Treffer', toNewest: 'Zu den neuesten Nachrichten', searchGo: 'Suchen', searchHint: 'Enter oder „Suchen“ startet die Suche', endSearch: 'Suche beenden', files: 'Dateien', filesOf: 'Dateien in {name}', noFiles: 'In diesem Kanal wurden noch keine Dateien geteilt.', showMessage: 'Zur Nachricht',
    olderMessages: 'Ältere Nachrichten laden', newMessages: 'Neue Nachrichten', groupMembersOf: 'Mitglieder von {name}', you: 'Sie', leaveGroup: 'Verlassen', removeFromGroup: 'Entfernen', addToGroup: 'Hinzufügen',
    offerAdmin: 'Ihre Organisation ist dabei. Treten Sie bei und nehmen Sie Ihre Leute unter „Verwaltung“ dazu.', offerMember: 'Ihre Organisation ist dabei; Ihre Admins nehmen Sie dazu.', joinShared: 'Beitreten',
    remindMissing: 'Erinnern', remindDone: '{n} Personen erinnert.', onlyNotAcked: 'Nur wer noch nicht bestätigt hat ({n})', onlyNotRead: 'Nur wer noch nicht gelesen hat ({n})',
    fileOpenTitle: 'Datei öffnen', fileGone: 'Diese Datei gibt es nicht mehr (gelöscht oder nie vollständig hochgeladen).', fileNotAllowed: 'Diese Datei dürfen Sie nicht öffnen.', fileOffline: 'Keine Verbindung: die Datei kann gerade nicht geöffnet werden.', fileFailed: 'Die Datei konnte nicht geöffnet werden. Bitte gleich noch einmal.',
    offlineKept: 'Offline – zuletzt geladener Stand. Neues erscheint, sobald die Verbindung zurück ist.', removePerson: '{name} entfernen', offlineHistory: 'Keine Verbindung: der Verlauf kann gerade nicht geladen werden. Neue Nachrichten werden gesendet, sobald die Verbindung zurück ist.',
    system: 'System', unknownAuthor: 'Unbekannt', edited: '(bearbeitet)', deletedMessage: 'Diese Nachricht wurde gelöscht.', replyToEarlier: 'Antwort auf eine frühere Nachricht',
    source_fax: 'Fax', source_mqtt: 'Gerät', source_system: 'System', source_email: 'E-Mail', source_web: 'Web',
    prioNormal: 'Normal', prioImmediate: 'Sofort', prioFlash: 'Blitz', priority: 'Vorrang',
    readBy: 'gelesen: {n} von {total}', ackedBy: 'bestätigt: {n} von {total}',
    acknowledge: 'Bestätigen', youAcked: 'Sie haben bestätigt', ackFlash: 'Gelesen – bestätigen', showInChannel: 'Im Kanal zeigen', flashMessage: 'Blitz-Nachricht',
    flashOpen: '{n} Blitz offen', flashShowAll: 'Alle zeigen', flashCollapse: 'Einklappen',
    offlineAck: 'Keine Verbindung: die Bestätigung konnte nicht gesendet werden. Bitte gleich noch einmal.',
    receiptsTitle: 'Wer hat gelesen?', person: 'Person', readAt: 'Gelesen', ackedAt: 'Bestätigt', notYet: 'noch nicht',
    editMessage: 'Nachricht bearbeiten', editHint: 'Enter speichert, Esc bricht ab.', deleteQuestion: 'Diese Nachricht für alle löschen?', deleteQuestionEtb: 'Diese Nachricht für alle löschen? Blitz- und Sofort-Nachrichten stehen im Einsatztagebuch: dieser Eintrag bleibt unverändert stehen.',
    replyingTo: 'Antwort an {name}', cancelReply: 'Antwort abbrechen',
    intoEtb: 'Ins ETB', intoEtbDone: 'Ins Einsatztagebuch übernommen.',
    writePlaceholder: 'Nachricht schreiben … (Enter sendet, Umschalt+Enter neue Zeile)', writePlaceholderTouch: 'Nachricht schreiben …', message: 'Nachricht', composer: 'Nachricht verfassen',
    requestAck: 'Bestätigung anfordern', attach: 'Datei', attachFiles: 'Dateien anhängen', send: 'Senden',
    readOnlyChannel: 'In diesem Kanal dürfen Sie nur lesen.', dropHere: 'Dateien hier ablegen', removeFile: '{name} entfernen',
    sending: 'wird gesendet …', waitingForConnection: 'wartet auf Verbindung', uploading: 'wird hochgeladen: {p} %', uploadProgress: 'Fortschritt beim Hochladen',
    sendRefused: 'Nicht gesendet: {msg}',
    fileTooBig: '„{name}“ ist zu groß ({size}). Erlaubt sind höchstens 25 MB pro Datei.',
    fileForbidden: '„{name}“: Programme und Skripte sind aus Sicherheitsgründen nicht erlaubt.',
    fileEmpty: '„{name}“ ist leer.',
  },
  en: {
    appName: 'crisisroom', appTitle: 'crisisroom – crisis staff',
    tagline: 'The crisis staff messenger',
    identity: 'User name or e-mail', password: 'Password', signIn: 'Sign in', pleaseWait: 'Please wait …',
    signInFailed: 'User name or password is wrong.', offlineSignIn: 'Cannot reach the crisis room server. Please check the network.',
    signedOutNotice: 'You were signed out. Everything stored on this device was deleted.',
    firstSetup: 'First setup', switchLanguage: 'Switch language / Sprache wechseln',
    organisations: 'Organisations', areas: 'Areas', messages: 'Messages', navMore: 'More', bannerExpand: 'Click: whole text', nav_journal: 'Log', nav_callout: 'Call-out',
    connecting: 'Connecting …', offline: 'No connection',
    noTenant: 'You do not belong to an organisation yet. Ask your lead for an invitation.',
    unreadN: '{n} unread', until: 'until {date}',
    role_admin: 'Admin', role_operator: 'Operator', role_member: 'Member', role_guest: 'Guest', guestAuthorHint: 'External guest: does not speak for the inviting organisation',
    signOut: 'Sign out', signedInDevices: 'Signed-in devices', signOutEverywhere: 'Sign out on all devices', signOutEverywhereQ: 'Sign out on all devices? Everything stored there is deleted.', browserOn: '{browser} on {os}',
    sessionsHelp: 'You are signed in on these devices. If one is lost or unknown, use “Sign out on all devices” or ask your organisation’s admins to do it.',
    device: 'Device', signedInAt: 'Signed in', lastSeen: 'Last active', thisDevice: 'this device', noSessions: 'No sign-ins found.', unknownDevice: 'Unknown device',
    loading: 'Loading …', close: 'Close', cancel: 'Cancel', yes: 'Yes', pleaseConfirm: 'Please confirm', save: 'Save', delete: 'Delete', edit: 'Edit', reply: 'Reply',
    channels: 'Channels', orgChannels: 'My organisation', sharedChannels: 'Shared crisis channels', conversations: 'Direct and groups',
    noChannels: 'No channels.', noConversations: 'No conversations yet.', direct: 'Direct conversation', unnamed: 'Unnamed',
    newDirect: 'Direct message', newGroup: 'New group', newDirectHelp: 'You can write to everyone you share a channel with.',
    people: 'People', searchPeople: 'Search a name …', nobodyFound: 'Nobody found.',
    groupName: 'Group name', groupMembers: 'Members', createGroup: 'Create group', nameNeeded: 'Please enter a name.',
    someNotAdded: 'Not everyone was added:',
    chooseChannel: 'Choose a channel on the left.', removedFromChannel: 'You were removed from this channel.', backToChannels: 'Back to the channel list', conversation: 'Conversation',
    sharedWith: 'Shared with', searchPlaceholder: 'Search this channel', searchInChannel: 'Search this channel', searching: 'Searching …',
    searchResults: '{n} results for “{q}”.', searchResultsMore: 'The newest {n} results for “{q}”', searchOlder: 'load older', olderPartShown: 'Older messages around the hit', toNewest: 'To the newest messages', searchGo: 'Search', searchHint: 'Enter or “Search” starts the search', endSearch: 'End search', files: 'Files', filesOf: 'Files in {name}', noFiles: 'No files have been shared in this channel yet.', showMessage: 'Go to message',
    olderMessages: 'Load older messages', newMessages: 'New messages', groupMembersOf: 'Members of {name}', you: 'you', leaveGroup: 'Leave', removeFromGroup: 'Remove', addToGroup: 'Add',
    offerAdmin: 'Your organisation takes part. Join, then add your people under “Administration”.', offerMember: 'Your organisation takes part; your admins add you.', joinShared: 'Join',
    remindMissing: 'Remind', remindDone: '{n} people reminded.', onlyNotAcked: 'Only those who have not acknowledged ({n})', onlyNotRead: 'Only those who have not read ({n})',
    fileOpenTitle: 'Open file', fileGone: 'This file no longer exists (deleted or never completely uploaded).', fileNotAllowed: 'You may not open this file.', fileOffline: 'No connection: the file cannot be opened right now.', fileFailed: 'The file could not be opened. Please try again in a moment.',
    offlineKept: 'Offline – as last loaded. New messages appear when the connection is back.', removePerson: 'Remove {name}', offlineHistory: 'No connection: the history cannot be loaded right now. New messages are sent as soon as the connection is back.',
    system: 'System', unknownAuthor: 'Unknown', edited: '(edited)', deletedMessage: 'This message was deleted.', replyToEarlier: 'Reply to an earlier message',
    source_fax: 'Fax', source_mqtt: 'Device', source_system: 'System', source_email: 'E-mail', source_web: 'Web',
    prioNormal: 'Normal', prioImmediate: 'Immediate', prioFlash: 'Flash', priority: 'Priority',
    readBy: 'read: {n} of {total}', ackedBy: 'acknowledged: {n} of {total}',
    acknowledge: 'Acknowledge', youAcked: 'You acknowledged', ackFlash: 'Read – acknowledge', showInChannel: 'Show in channel', flashMessage: 'Flash message',
    flashOpen: '{n} flash messages open', flashShowAll: 'Show all', flashCollapse: 'Collapse',
    offlineAck: 'No connection: the acknowledgement was not sent. Please try again in a moment.',
    receiptsTitle: 'Who has read it?', person: 'Person', readAt: 'Read', ackedAt: 'Acknowledged', notYet: 'not yet',
    editMessage: 'Edit message', editHint: 'Enter saves, Esc cancels.', deleteQuestion: 'Delete this message for everyone?', deleteQuestionEtb: 'Delete this message for everyone? Flash and immediate messages are in the operations log: that entry stays unchanged.',
    replyingTo: 'Reply to {name}', cancelReply: 'Cancel reply',
    intoEtb: 'Into the log', intoEtbDone: 'Put into the operations log.',
    writePlaceholder: 'Write a message … (Enter sends, Shift+Enter new line)', writePlaceholderTouch: 'Write a message …', message: 'Message', composer: 'Write a message',
    requestAck: 'Request acknowledgement', attach: 'File', attachFiles: 'Attach files', send: 'Send',
    readOnlyChannel: 'You may only read in this channel.', dropHere: 'Drop files here', removeFile: 'Remove {name}',
    sending: 'sending …', waitingForConnection: 'waiting for connection', uploading: 'uploading: {p} %', uploadProgress: 'Upload progress',
    sendRefused: 'Not sent: {msg}',
    fileTooBig: '“{name}” is too large ({size}). At most 25 MB per file.',
    fileForbidden: '“{name}”: programs and scripts are not allowed, for security.',
    fileEmpty: '“{name}” is empty.',
  },
};

let current = (() => {
  try {
    const saved = localStorage.getItem('crisisroom_lang');
    if (saved === 'de' || saved === 'en') return saved;
  } catch { /* storage disabled */ }
  return 'de';
})();

export function lang() { return current; }

export function setLang(l) {
  if (!strings[l]) return;
  current = l;
  try { localStorage.setItem('crisisroom_lang', l); } catch { /* storage disabled */ }
}

export function addStrings(more) {
  for (const l of Object.keys(more)) strings[l] = Object.assign(strings[l] || {}, more[l]);
}

// t never shows a blank: a missing English word falls back to German, a missing key
// shows itself so the gap is visible in testing.
export function t(key, vars) {
  let s = (strings[current] && strings[current][key]) ?? strings.de[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// tn is t for a count n: the key's singular form key + '_one' when n calls for it in
// the current language (1 in German and English, by Intl.PluralRules) and that form
// exists, else key; {n} is filled with n. tn('co_comingN', 1) → '1 kommt',
// tn('co_comingN', 3) → '3 kommen'.
export function tn(key, n, vars) {
  let form = 'other';
  try { form = new Intl.PluralRules(current).select(Number(n)); } catch { form = Number(n) === 1 ? 'one' : 'other'; }
  // The singular of the table the word comes from: an English word without its own
  // singular stays English rather than falling back to the German singular.
  const table = strings[current] && key in strings[current] ? strings[current] : strings.de;
  const one = key + '_one';
  return t(form === 'one' && one in table ? one : key, { ...vars, n });
}

// table returns the words of one language as loaded so far (for the i18n walker test and
// tools that check translations); callers must not change it.
export function table(l) { return strings[l] || {}; }
