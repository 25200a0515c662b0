// The catalogue of error texts: the one source. Add a code here, use it through apperr,
// and run TestErrorsJS with UPDATE_ERRORS_JS=1 to regenerate pb_public/js/errors.js.

package apperr

// Catalogue maps each stable code to its German and English text. Codes are
// package.what; "common" codes are shared by several packages. A code is never reused
// for another meaning: the web UI and scripts may match on it.
var Catalogue = map[string]Text{
	"audit.append_only_collections_cannot": {
		DE: "Protokollsammlungen können nicht gelöscht, geleert oder in ihren Feldern und Schreibregeln geändert werden.",
		EN: "Append-only collections cannot be deleted, truncated, or have their fields or write rules changed.",
	},
	"audit.audit_records_append_only": {
		DE: "Protokolleinträge können nicht geändert oder gelöscht werden.",
		EN: "Audit records are append-only.",
	},
	"callout.unknown_function": {
		DE: "Die Funktion „%s“ gibt es nicht: weder eine Stabsfunktion (S1–S6, VB-…) noch eine Funktionsbezeichnung, die jemand hat (Schreibweise?).",
		EN: "There is no function \"%s\": neither a staff function (S1–S6, VB-…) nor a job title anyone has (spelling?).",
	},
	"callout.unknown_group": {
		DE: "Diese Alarmgruppe gibt es nicht.",
		EN: "There is no such call-out group.",
	},
	"callout.unknown_organisation": {
		DE: "Die Organisation „%s“ gibt es nicht.",
		EN: "There is no organisation \"%s\".",
	},
	"citystaff.complaint_fields_missing": {
		DE: "Kontakt der Bürgerin oder des Bürgers, Sachverhalt und die betroffene Dienstkraft werden gebraucht.",
		EN: "The citizen's contact, what happened and the officer concerned are needed.",
	},
	"citystaff.complaint_file_number_missing": {
		DE: "Das Aktenzeichen der Strafanzeige fehlt.",
		EN: "The file number of the criminal complaint is missing.",
	},
	"citystaff.data_incomplete": {
		DE: "Die Angaben sind unvollständig oder ungültig.",
		EN: "The data is incomplete or invalid.",
	},
	"citystaff.entry_deleted": {
		DE: "Dieser Eintrag ist gelöscht.",
		EN: "This entry has been deleted.",
	},
	"citystaff.finding_invalid": {
		DE: "Ergebnis: begründet, teilweise begründet oder unbegründet, mit Text.",
		EN: "Finding: upheld, partly upheld or not upheld, with a text.",
	},
	"citystaff.full_date_of_birth_needed": {
		DE: "Vollständiges Geburtsdatum nötig (TT.MM.JJJJ).",
		EN: "A full date of birth is needed (DD.MM.YYYY).",
	},
	"citystaff.full_name_needed": {
		DE: "Vollständiger Name nötig (Vor- und Nachname, keine Platzhalter).",
		EN: "A full name is needed (given and family name, no wildcards).",
	},
	"citystaff.guidance_missing": {
		DE: "Der Hinweis für die Beschäftigten fehlt.",
		EN: "The guidance for staff is missing.",
	},
	"citystaff.level_below_2": {
		DE: "Eingetragen werden nur Stufe 2 und 3 des Aachener Modells.",
		EN: "Only levels 2 and 3 of the Aachen model are entered.",
	},
	"citystaff.level_out_of_range": {
		DE: "Stufe 0 bis 3 nach dem Aachener Modell angeben.",
		EN: "Give level 0 to 3 of the Aachen model.",
	},
	"citystaff.logs_append_only": {
		DE: "Protokolle werden nicht geändert oder gelöscht.",
		EN: "Logs are never changed or deleted.",
	},
	"citystaff.lookup_needs_reason": {
		DE: "Jede Abfrage braucht ein Aktenzeichen oder einen Anlass (mindestens 5 Zeichen).",
		EN: "Every lookup needs a case reference or reason (at least 5 characters).",
	},
	"citystaff.no_data_of_other_authorities": {
		DE: "Daten anderer Behörden werden nicht eingetragen.",
		EN: "Data from other authorities is never entered.",
	},
	"citystaff.not_a_city": {
		DE: "Diese Module gibt es nur für eine Stadtverwaltung.",
		EN: "These modules exist only for a city administration.",
	},
	"citystaff.not_found": {
		DE: "Nicht gefunden.",
		EN: "Not found.",
	},
	"citystaff.only_attacks_on_own_staff": {
		DE: "Eingetragen werden nur Angriffe auf Beschäftigte der Stadt.",
		EN: "Only attacks on the city's own staff are entered.",
	},
	"citystaff.person_not_on_staff": {
		DE: "Diese Person gehört nicht zu den Beschäftigten der Organisation.",
		EN: "This person is not on the organisation's staff.",
	},
	"citystaff.reason_missing": {
		DE: "Bitte einen Grund angeben.",
		EN: "Please give a reason.",
	},
	"citystaff.report_fields_missing": {
		DE: "Wann, wo und was geschah, wird gebraucht.",
		EN: "When, where and what happened are needed.",
	},
	"citystaff.role_missing": {
		DE: "Dafür fehlt Ihnen die Rolle in dieser Organisation.",
		EN: "You do not hold the role for this in this organisation.",
	},
	"citystaff.sealed_collection": {
		DE: "Diese Daten sind nur über ihre Fachanwendung erreichbar.",
		EN: "This data is reachable only through its own application.",
	},
	"citystaff.statement_not_signed_off": {
		DE: "Erst die Stellungnahme der Dienstkraft, von der vorgesetzten Person abgezeichnet.",
		EN: "First the officer's statement, signed off by the supervisor.",
	},
	"citystaff.step_does_not_fit_state": {
		DE: "Dieser Schritt passt nicht zum Stand der Meldung.",
		EN: "This step does not fit the report's state.",
	},
	"citystaff.text_missing": {
		DE: "Bitte einen Text eingeben.",
		EN: "Please enter a text.",
	},
	"citystaff.too_many_lookups": {
		DE: "Zu viele Abfragen in kurzer Zeit; bitte später erneut.",
		EN: "Too many lookups in a short time; please try later.",
	},
	"citystaff.unknown_category": {
		DE: "Unbekannte Kategorie.",
		EN: "Unknown category.",
	},
	"common.channel_archived": {
		DE: "Der Kanal ist archiviert.",
		EN: "The channel is archived.",
	},
	"common.expected_bool": {
		DE: "true oder false erwartet",
		EN: "expected true or false",
	},
	"common.expected_id_list": {
		DE: "Liste von IDs erwartet",
		EN: "expected a list of ids",
	},
	"common.expected_number": {
		DE: "Zahl erwartet",
		EN: "expected a number",
	},
	"common.expected_one_id": {
		DE: "eine ID erwartet",
		EN: "expected one id",
	},
	"common.expected_one_value": {
		DE: "ein Wert erwartet",
		EN: "expected one value",
	},
	"common.expected_text": {
		DE: "Text erwartet",
		EN: "expected text",
	},
	"common.expected_value_list": {
		DE: "Liste von Werten erwartet",
		EN: "expected a list of values",
	},
	"common.field_unknown": {
		DE: "unbekanntes Feld %q",
		EN: "unknown field %q",
	},
	"common.image_too_large": {
		DE: "Das Bild ist zu groß (%d × %d Bildpunkte, höchstens %d Megapixel). Bitte verkleinert oder als PDF senden.",
		EN: "The image is too large (%d × %d pixels, at most %d megapixels). Please send it scaled down or as a PDF.",
	},
	"common.record_not_saved": {
		DE: "Nicht gespeichert. Bitte die Eingaben prüfen.",
		EN: "Not saved. Please check the entries.",
	},
	"common.record_not_deleted": {
		DE: "Nicht gelöscht: Andere Einträge verweisen noch darauf.",
		EN: "Not deleted: other records still refer to it.",
	},
	"common.batch_not_allowed": {
		DE: "Sammelanfragen sind nicht erlaubt.",
		EN: "Batch requests are not allowed.",
	},
	"common.sign_in_required": {
		DE: "Bitte anmelden.",
		EN: "Please sign in.",
	},
	"common.not_allowed": {
		DE: "Dafür fehlt Ihnen die Berechtigung.",
		EN: "You are not allowed to do this.",
	},
	"common.sign_in_failed": {
		DE: "Anmeldung fehlgeschlagen: Benutzername oder Passwort stimmt nicht.",
		EN: "Sign-in failed: the user name or the password is wrong.",
	},
	"common.request_too_large": {
		DE: "Die Anfrage ist zu groß.",
		EN: "The request is too large.",
	},
	"common.too_many_requests": {
		DE: "Zu viele Anfragen. Bitte kurz warten und noch einmal versuchen.",
		EN: "Too many requests. Please wait a moment and try again.",
	},
	"common.internal_error": {
		DE: "Auf dem Server ist ein Fehler aufgetreten. Bitte noch einmal versuchen; wenn es wieder geschieht, die IT des Stabes verständigen.",
		EN: "Something went wrong on the server. Please try again; if it happens again, tell the staff's IT.",
	},
	"common.invalid_request": {
		DE: "Ungültige Anfrage.",
		EN: "Invalid request.",
	},
	"common.message_not_found": {
		DE: "Nachricht nicht gefunden.",
		EN: "Message not found.",
	},
	"common.not_found": {
		DE: "Nicht gefunden.",
		EN: "Not found.",
	},
	"common.not_saved": {
		DE: "Nicht gespeichert: %s.",
		EN: "Not saved: %s.",
	},
	"common.request_could_not_read": {
		DE: "Die Anfrage ist unlesbar.",
		EN: "The request could not be read.",
	},
	"common.request_not_json": {
		DE: "Die Anfrage ist kein gültiges JSON.",
		EN: "The request is not valid JSON.",
	},
	"common.sign_in": {
		DE: "Bitte anmelden.",
		EN: "Please sign in.",
	},
	"common.unknown_channel": {
		DE: "Unbekannter Kanal.",
		EN: "Unknown channel.",
	},
	"common.sign_in_method_unavailable": {
		DE: "Diese Art der Anmeldung gibt es hier nicht. Bitte mit Benutzername und Passwort anmelden.",
		EN: "This way of signing in is not offered here. Please sign in with user name and password.",
	},
	"common.token_invalid": {
		DE: "Der Link oder Code ist ungültig oder abgelaufen.",
		EN: "The link or code is invalid or has expired.",
	},
	"common.realtime_client_unknown": {
		DE: "Die Live-Verbindung ist unbekannt oder beendet. Bitte die Seite neu laden.",
		EN: "The live connection is unknown or has ended. Please reload the page.",
	},
	"common.unknown_api_path": {
		DE: "Diese Schnittstelle gibt es nicht.",
		EN: "There is no such API endpoint.",
	},
	"device.unknown_driver": {
		DE: "Gerät nicht angelegt: den Treiber „%s“ gibt es nicht. Möglich sind: %s.",
		EN: "Device not created: there is no driver \"%s\". Possible are: %s.",
	},
	"device.unknown_kind": {
		DE: "Gerät nicht angelegt: die Geräteart „%s“ gibt es nicht. Möglich sind: %s.",
		EN: "Device not created: there is no device kind \"%s\". Possible are: %s.",
	},
	"device.not_created": {
		DE: "Gerät nicht angelegt. Bitte die Eingaben prüfen.",
		EN: "Device not created. Please check the entries.",
	},
	"device.channel_missing": {
		DE: "Der Kanal des Geräts existiert nicht.",
		EN: "The device's channel does not exist.",
	},
	"device.device_does_not_belong": {
		DE: "Dieses Gerät gehört nicht Ihrer Organisation.",
		EN: "This device does not belong to your organisation.",
	},
	"device.name_taken": {
		DE: "Dieser Gerätename ist vergeben.",
		EN: "This device name is taken.",
	},
	"device.only_operators_manage": {
		DE: "Nur Bedienpersonen des Krisenstabs verwalten Geräte.",
		EN: "Only crisis staff operators manage devices.",
	},
	"device.organisation_not_found": {
		DE: "Organisation nicht gefunden.",
		EN: "Organisation not found.",
	},
	"device.organisation_not_in_channel": {
		DE: "Die Organisation des Geräts nimmt an diesem Kanal nicht teil.",
		EN: "The device's organisation does not take part in this channel.",
	},
	"device.password_not_changed": {
		DE: "Passwort nicht geändert.",
		EN: "Password not changed.",
	},
	"device.topic_overlaps": {
		DE: "Das Gerätethema überschneidet sich mit dem eines anderen Geräts.",
		EN: "The device topic overlaps another device's.",
	},
	"device.topic_reserved": {
		DE: "Das Gerätethema darf nicht mit einem reservierten Namen beginnen.",
		EN: "The device topic may not begin with a reserved name.",
	},
	"device.topic_taken": {
		DE: "Ein anderes Gerät verwendet dieses Thema bereits.",
		EN: "Another device already uses this topic.",
	},
	"device.topic_wildcards": {
		DE: "Das Gerätethema darf keine MQTT-Platzhalter enthalten.",
		EN: "The device topic may not contain MQTT wildcards.",
	},
	"device.zone_of_other_organisation": {
		DE: "Diese Zone gehört zu einer anderen Organisation.",
		EN: "This zone belongs to another organisation.",
	},
	"enrolment.already_belong_organisation": {
		DE: "Sie gehören dieser Organisation bereits an.",
		EN: "You already belong to this organisation.",
	},
	"enrolment.appliance_not_set_up": {
		DE: "Die Anlage ist noch nicht eingerichtet.",
		EN: "The appliance is not set up yet.",
	},
	"enrolment.device_invalid": {
		DE: "Die Gerätedaten sind ungültig.",
		EN: "The device is not valid.",
	},
	"enrolment.device_invitation_needs_device": {
		DE: "Eine Geräteeinladung braucht die Gerätedaten (Name, Art, …).",
		EN: "A device invitation needs the device (name, kind, …).",
	},
	"enrolment.device_own_user_name": {
		DE: "Ein Gerät mit eigenem Benutzernamen oder Thema kann nur einmal angemeldet werden: Anzahl auf 1 setzen.",
		EN: "A device with its own user name or topic can be enrolled only once: set uses to 1.",
	},
	"enrolment.device_user_name_exists": {
		DE: "Ein Gerät mit diesem Benutzernamen gibt es schon.",
		EN: "A device with this user name exists already.",
	},
	"enrolment.guest_access_end_in_past": {
		DE: "Das Ende des Gastzugangs liegt in der Vergangenheit.",
		EN: "The end of the guest's access is in the past.",
	},
	"enrolment.guest_access_invitation_already": {
		DE: "Der Gastzugang dieser Einladung ist bereits beendet.",
		EN: "The guest access of this invitation has already ended.",
	},
	"enrolment.guest_invitation_needs_end": {
		DE: "Eine Gasteinladung braucht das Ende des Gastzugangs (member_expires).",
		EN: "A guest invitation needs the end of the guest's access (member_expires).",
	},
	"enrolment.guest_reads_only_readonly": {
		DE: "Ein Gast liest nur (readonly) oder darf auch schreiben (member).",
		EN: "A guest reads only (readonly) or may also write (member).",
	},
	"enrolment.invitation_already_been_used": {
		DE: "Diese Einladung wurde bereits eingelöst. Jeder Code gilt nur so oft, wie die Einladenden es festgelegt haben. Bitte eine neue Einladung anfordern.",
		EN: "This invitation has already been used. Each code works only as often as the inviter allowed. Please ask for a new one.",
	},
	"enrolment.invitation_code_unknown_scan": {
		DE: "Dieser Einladungscode ist unbekannt. Bitte den QR-Code erneut scannen oder um eine neue Einladung bitten.",
		EN: "This invitation code is unknown. Please scan the QR code again or ask for a new invitation.",
	},
	"enrolment.invitation_could_not_saved": {
		DE: "Die Einladung konnte nicht gespeichert werden.",
		EN: "The invitation could not be saved.",
	},
	"enrolment.invitation_expired": {
		DE: "Diese Einladung ist am %s abgelaufen. Bitte eine neue Einladung anfordern.",
		EN: "This invitation expired on %s. Please ask for a new one.",
	},
	"enrolment.invitation_used_times": {
		DE: "Eine Einladung kann 1- bis 500-mal verwendet werden.",
		EN: "An invitation can be used 1 to 500 times.",
	},
	"enrolment.invitation_valid_hours": {
		DE: "Eine Einladung gilt 1 bis 720 Stunden.",
		EN: "An invitation is valid for 1 to 720 hours.",
	},
	"enrolment.invitation_withdrawn_inviting_organisation": {
		DE: "Diese Einladung wurde von der einladenden Organisation zurückgezogen. Bitte eine neue Einladung anfordern.",
		EN: "This invitation was withdrawn by the inviting organisation. Please ask for a new one.",
	},
	"enrolment.join_failed": {
		DE: "Beitritt fehlgeschlagen, es wurde nichts angelegt.",
		EN: "Joining failed, nothing was created.",
	},
	"enrolment.kind_must_organisation_member": {
		DE: "Die Art muss organisation, member, guest oder device sein.",
		EN: "The kind must be organisation, member, guest or device.",
	},
	"enrolment.name_organisation_required": {
		DE: "Der Name Ihrer Organisation ist ein Pflichtfeld.",
		EN: "The name of your organisation is required.",
	},
	"enrolment.name_user_name_password": {
		DE: "Name, Benutzername und Passwort sind Pflichtfelder.",
		EN: "Name, user name and password are required.",
	},
	"enrolment.only_admins_invite": {
		DE: "Nur Admins von %s dürfen dort Mitglieder einladen.",
		EN: "Only admins of %s may invite its members.",
	},
	"enrolment.only_channel_admins_invite_guests": {
		DE: "Gäste in diesen Kanal laden nur Admins seiner Organisation (bei gemeinsamen Kanälen auch Operatoren des Krisenstabs).",
		EN: "Only admins of the channel's organisation (or the crisis staff's operators, for shared channels) may invite guests to it.",
	},
	"enrolment.only_staff_enrol_devices": {
		DE: "Nur Admins und Operatoren des Krisenstabs dürfen Geräte anmelden.",
		EN: "Only the crisis staff's admins and operators may enrol devices.",
	},
	"enrolment.only_staff_invite_organisations": {
		DE: "Nur Admins und Operatoren des Krisenstabs dürfen neue Organisationen einladen.",
		EN: "Only the crisis staff's admins and operators may invite new organisations.",
	},
	"enrolment.organisation_name_required": {
		DE: "Organisation und Name sind Pflichtfelder.",
		EN: "Organisation and name are required.",
	},
	"enrolment.organisation_name_too_similar": {
		DE: "Eine Organisation „%s“ gibt es bereits; dieser Name ist zum Verwechseln ähnlich.",
		EN: "An organisation \"%s\" exists already; this name is too similar.",
	},
	"enrolment.password_needs_least_characters": {
		DE: "Das Passwort braucht mindestens 10 Zeichen.",
		EN: "The password needs at least 10 characters.",
	},
	"enrolment.role_must_member_operator": {
		DE: "Die Rolle muss member, operator oder admin sein.",
		EN: "The role must be member, operator or admin.",
	},
	"enrolment.setup_already_done": {
		DE: "Die Einrichtung ist bereits abgeschlossen.",
		EN: "Setup is already done.",
	},
	"enrolment.setup_link_not_valid": {
		DE: "Der Einrichtungslink ist ungültig. Bitte den im Terminal angezeigten Link verwenden.",
		EN: "The setup link is not valid. Use the link printed in the terminal.",
	},
	"enrolment.too_many_wrong_codes": {
		DE: "Zu viele falsche Einladungscodes von diesem Gerät. Bitte %d Sekunden warten.",
		EN: "Too many wrong invitation codes from this device. Please wait %d seconds.",
	},
	"enrolment.unknown_kind_organisation": {
		DE: "Unbekannte Art von Organisation.",
		EN: "Unknown kind of organisation.",
	},
	"enrolment.unknown_organisation": {
		DE: "Unbekannte Organisation.",
		EN: "Unknown organisation.",
	},
	"enrolment.user_name_needs_letters": {
		DE: "Der Benutzername braucht 3 bis 48 Buchstaben, Ziffern, Punkte, Binde- oder Unterstriche und beginnt mit Buchstabe oder Ziffer.",
		EN: "The user name needs 3 to 48 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
	},
	"enrolment.user_name_taken": {
		DE: "Der Benutzername „%s“ ist bereits vergeben. Bitte einen anderen wählen.",
		EN: "The user name \"%s\" is already taken. Please choose another one.",
	},
	"enrolment.which_organisation": {
		DE: "Welche Organisation?",
		EN: "Which organisation?",
	},
	"fax.channel_no_fax_device": {
		DE: "Für diesen Kanal gibt es kein Faxgerät.",
		EN: "This channel has no fax device.",
	},
	"fax.channel_not_found": {
		DE: "Kanal nicht gefunden.",
		EN: "Channel not found.",
	},
	"fax.enter_fax_number": {
		DE: "Bitte eine Faxnummer aus Ziffern angeben (Leerzeichen, +, -, / erlaubt).",
		EN: "Please enter a fax number of digits (spaces, +, -, / allowed).",
	},
	"fax.fax_device_belongs_no": {
		DE: "Dieses Faxgerät gehört keiner Organisation dieses Kanals.",
		EN: "This fax device belongs to no organisation of this channel.",
	},
	"fax.fax_device_does_not": {
		DE: "Dieses Faxgerät gehört nicht Ihrer Organisation.",
		EN: "This fax device does not belong to your organisation.",
	},
	"fax.fax_device_not_found": {
		DE: "Faxgerät nicht gefunden.",
		EN: "Fax device not found.",
	},
	"fax.fax_no_text": {
		DE: "Das Fax hat keinen Text.",
		EN: "The fax has no text.",
	},
	"fax.fax_not_created": {
		DE: "Das Fax wurde nicht angelegt.",
		EN: "The fax was not created.",
	},
	"fax.message_not_channel": {
		DE: "Die Nachricht gehört nicht zu diesem Kanal.",
		EN: "The message is not in this channel.",
	},
	"fax.name_channel": {
		DE: "Bitte einen Kanal angeben.",
		EN: "Please name a channel.",
	},
	"fax.only_operators_test_fax": {
		DE: "Nur Bedienpersonen des Krisenstabs lösen Testfaxe aus.",
		EN: "Only crisis staff operators trigger test faxes.",
	},
	"fax.only_people_write_channel": {
		DE: "Nur wer in diesem Kanal schreiben darf, kann aus ihm faxen.",
		EN: "Only people who may write in this channel can fax from it.",
	},
	"fax.only_signed_people_send": {
		DE: "Nur angemeldete Personen senden Faxe.",
		EN: "Only signed-in people send faxes.",
	},
	"fax.picture_unreadable": {
		DE: "Bild %s nicht lesbar.",
		EN: "Picture %s could not be read.",
	},
	"fax.test_fax_needs_demo": {
		DE: "Testfaxe gibt es nur mit dem simulierten Faxgerät der Demo.",
		EN: "Test faxes need the demo's simulated fax device.",
	},
	"fax.text_too_long_fax": {
		DE: "Der Text ist zu lang für ein Fax (höchstens 20000 Zeichen).",
		EN: "The text is too long for a fax (at most 20000 characters).",
	},
	"fax.too_many_pictures": {
		DE: "Höchstens %d Bilder pro Fax.",
		EN: "At most %d pictures per fax.",
	},
	"forms.addressee_missing": {
		DE: "Bitte den Empfänger (Anschrift oder Rufname) angeben.",
		EN: "Please give the addressee (address or call sign).",
	},
	"forms.briefing_results_by_head_or_s3": {
		DE: "Die Ergebnisse der Lagebesprechung trägt die Leitung oder S3 ein.",
		EN: "The briefing's results are recorded by the head of staff or S3.",
	},
	"forms.briefing_set_by_head_or_s3": {
		DE: "Die Lagebesprechung setzen die Leitung und S3 an.",
		EN: "The briefing is set by the head of staff and S3.",
	},
	"forms.briefing_time_missing": {
		DE: "Bitte eine Uhrzeit angeben.",
		EN: "Please give a time.",
	},
	"forms.channel_not_writable": {
		DE: "In diesen Kanal dürfen Sie nicht schreiben.",
		EN: "You may not write in this channel.",
	},
	"forms.completion_note_too_long": {
		DE: "Der Erledigungsvermerk ist zu lang.",
		EN: "The completion note is too long.",
	},
	"forms.direction_invalid": {
		DE: "Richtung ist in (Eingang) oder out (Ausgang).",
		EN: "Direction is in or out.",
	},
	"forms.distribution_unknown_function": {
		DE: "Unbekannte Funktion in der Verteilung.",
		EN: "Unknown function in the distribution.",
	},
	"forms.fax_missing": {
		DE: "Bitte das Fax über den Faxweg anlegen und hier nennen.",
		EN: "Please create the fax through the fax path and name it here.",
	},
	"forms.fax_of_other_form": {
		DE: "Dieses Fax gehört schon zu einem anderen Vordruck.",
		EN: "This fax already belongs to another form.",
	},
	"forms.field_locked_at_step": {
		DE: "Das Feld „%s“ darf in diesem Schritt nicht geändert werden.",
		EN: "The field \"%s\" may not be changed at this step.",
	},
	"forms.field_too_long": {
		DE: "Das Feld „%s“ ist zu lang (höchstens %d Zeichen).",
		EN: "The field \"%s\" is too long (at most %d characters).",
	},
	"forms.form_closed": {
		DE: "Der Vordruck ist abgeschlossen und kann nicht mehr geändert werden.",
		EN: "The form is closed and can no longer be changed.",
	},
	"forms.form_events_append_only": {
		DE: "Schritte eines Vordrucks können nicht geändert oder gelöscht werden.",
		EN: "Form events are append-only.",
	},
	"forms.form_locked_at_step": {
		DE: "In diesem Schritt dürfen Sie den Vordruck nicht ändern.",
		EN: "You may not change the form at this step.",
	},
	"forms.form_not_found": {
		DE: "Vordruck nicht gefunden.",
		EN: "Form not found.",
	},
	"forms.four_eyes_triage": {
		DE: "Vier-Augen-Prinzip: Den eigenen Vordruck sichtet ein anderer Sichter.",
		EN: "Four eyes: another Sichter triages a form you wrote or took in.",
	},
	"forms.function_not_found": {
		DE: "Funktion nicht gefunden.",
		EN: "Function not found.",
	},
	"forms.functions_given_by_head_s1_admins": {
		DE: "Funktionen vergeben die Leitung, S1 und die Administration des Stabes.",
		EN: "Functions are given by the head of staff, S1 and the staff's admins.",
	},
	"forms.head_of_staff_by_admins": {
		DE: "Die Funktion „Leitung des Stabes“ vergibt nur die Administration des Stabes.",
		EN: "Only the staff's admins give the head of staff function.",
	},
	"forms.lead_function_missing": {
		DE: "Bitte genau eine federführende Funktion wählen.",
		EN: "Please choose exactly one lead function.",
	},
	"forms.only_fernmelder_takes_in": {
		DE: "Eingänge nimmt der Fernmeldebetrieb auf (Funktion Fernmelder).",
		EN: "Incoming messages are taken in by the communications post (function Fernmelder).",
	},
	"forms.only_functions_give_orders": {
		DE: "Aufträge erteilen Funktionen des Stabes.",
		EN: "Orders are given by the staff's functions.",
	},
	"forms.only_staff_see_functions": {
		DE: "Nur Mitglieder des Stabes sehen die Funktionen.",
		EN: "Only staff members see the functions.",
	},
	"forms.only_staff_write_forms": {
		DE: "Vordrucke schreiben Mitglieder des Stabes.",
		EN: "Forms are written by members of the staff.",
	},
	"forms.order_done": {
		DE: "Der Auftrag ist erledigt.",
		EN: "The order is done.",
	},
	"forms.order_not_found": {
		DE: "Auftrag nicht gefunden.",
		EN: "Order not found.",
	},
	"forms.order_status_not_yours": {
		DE: "Den Stand eines Auftrags setzen die zuständige Funktion, S3 und die Leitung.",
		EN: "An order's status is set by its function, S3 and the head of staff.",
	},
	"forms.order_text_missing": {
		DE: "Bitte einen Auftrag (höchstens 300 Zeichen) angeben.",
		EN: "Please give an order (at most 300 characters).",
	},
	"forms.own_functions_by_admins": {
		DE: "Eigene Funktionen vergibt und entzieht die Administration des Stabes.",
		EN: "Only the staff's admins give or take your own functions.",
	},
	"forms.owning_function_missing": {
		DE: "Bitte die zuständige Funktion wählen.",
		EN: "Please choose the owning function.",
	},
	"forms.person_missing": {
		DE: "Bitte eine Person angeben.",
		EN: "Please name a person.",
	},
	"forms.person_not_in_function_org": {
		DE: "Diese Person ist kein Mitglied der Organisation dieser Funktion.",
		EN: "This person is not a member of this function's organisation.",
	},
	"forms.priority_invalid": {
		DE: "Vorrang ist einfach, Sofort oder Blitz.",
		EN: "Priority is einfach, Sofort or Blitz.",
	},
	"forms.register_direction_invalid": {
		DE: "Richtung ist in oder out.",
		EN: "Direction is in or out.",
	},
	"forms.register_not_yours": {
		DE: "Die Nachweisung führen der Fernmeldebetrieb, der Sichter, die Leitung und S2.",
		EN: "The register is kept by the communications post, the Sichter, the head of staff and S2.",
	},
	"forms.reply_must_be_outgoing": {
		DE: "Eine Antwort ist ein Ausgang.",
		EN: "A reply is an outgoing form.",
	},
	"forms.result_too_long": {
		DE: "Ein Ergebnis ist zu lang (höchstens 4000 Zeichen).",
		EN: "A result is too long (at most 4000 characters).",
	},
	"forms.return_reason_missing": {
		DE: "Bitte einen Grund für die Rückgabe angeben.",
		EN: "Please give a reason for the return.",
	},
	"forms.return_reason_too_long": {
		DE: "Der Grund ist zu lang (höchstens 2000 Zeichen).",
		EN: "The reason is too long (at most 2000 characters).",
	},
	"forms.staff_members_only": {
		DE: "Nur Mitglieder des Stabes.",
		EN: "Staff members only.",
	},
	"forms.step_for_author": {
		DE: "Nur der Verfasser legt seinen Entwurf zur Sichtung vor.",
		EN: "Only the author submits the draft for triage.",
	},
	"forms.step_for_fernmelder": {
		DE: "Das übermittelt der Fernmeldebetrieb, in diesem Schritt.",
		EN: "This is transmitted by the communications post, at this step.",
	},
	"forms.step_for_sichter": {
		DE: "Das sichtet der Sichter, in diesem Schritt.",
		EN: "This is for the Sichter, at this step.",
	},
	"forms.step_not_yours": {
		DE: "Dieser Schritt steht Ihnen nicht zu.",
		EN: "This step is not yours.",
	},
	"forms.subject_or_text_missing": {
		DE: "Bitte Betreff oder Text angeben.",
		EN: "Please give a subject or text.",
	},
	"forms.task_status_invalid": {
		DE: "Status ist offen, in_arbeit oder erledigt.",
		EN: "Status is offen, in_arbeit or erledigt.",
	},
	"forms.time_invalid": {
		DE: "Die Zeit ist ungültig (RFC 3339 erwartet).",
		EN: "The time is not valid (RFC 3339 expected).",
	},
	"forms.too_many_recipients": {
		DE: "Zu viele Empfänger.",
		EN: "Too many recipients.",
	},
	"forms.too_many_results": {
		DE: "Zu viele Einträge auf einmal (höchstens 50).",
		EN: "Too many items at once (at most 50).",
	},
	"forms.transmission_way_missing": {
		DE: "Bitte den Übermittlungsweg angeben (fax, channel, funk, telefon, melder, email, messenger, persoenlich).",
		EN: "Please give the way of transmission.",
	},
	"forms.unknown_kind": {
		DE: "Unbekannte Nachrichtenart.",
		EN: "Unknown kind of message.",
	},
	"forms.unknown_medium": {
		DE: "Unbekanntes Übermittlungsmittel.",
		EN: "Unknown medium.",
	},
	"journal.close_not_yours": {
		DE: "Den Einsatz schließen die ETB-Führung (oder S2) und die Leitung des Stabes gemeinsam.",
		EN: "The ETB keeper (or S2) and the head of staff close the operation together.",
	},
	"journal.correction_target_invalid": {
		DE: "Berichtigt werden nur ursprüngliche Einträge desselben Tagebuchs.",
		EN: "Only original entries of the same journal can be corrected.",
	},
	"journal.entry_text_missing": {
		DE: "Der Eintrag braucht einen Text.",
		EN: "The entry needs a text.",
	},
	"journal.entry_text_too_long": {
		DE: "Der Eintrag ist zu lang (höchstens %d Zeichen). Ein Eintrag wird nie gekürzt gespeichert: bitte teilen oder kürzen.",
		EN: "The entry is too long (at most %d characters). An entry is never stored cut short: please split or shorten it.",
	},
	"journal.event_time_before_operation": {
		DE: "Der Zeitpunkt liegt vor dem %s, mehr als 24 Stunden vor der Eröffnung des Einsatzes. Früheres gehört in den Text eines Eintrags.",
		EN: "The time is before %s, more than 24 hours before the operation was opened. Earlier events belong in an entry's text.",
	},
	"journal.event_time_invalid": {
		DE: "Zeitpunkt des Ereignisses ungültig.",
		EN: "Invalid time of event.",
	},
	"journal.message_already_in_journal": {
		DE: "Diese Nachricht steht schon im ETB.",
		EN: "This message is already in the journal.",
	},
	"journal.message_not_yours": {
		DE: "Diese Nachricht können Sie nicht ins ETB übernehmen.",
		EN: "You cannot put this message into the journal.",
	},
	"journal.no_operation_open": {
		DE: "Es ist kein Einsatz eröffnet.",
		EN: "No operation is open.",
	},
	"journal.not_keeper": {
		DE: "Nur die ETB-Führung und S2 der Organisation schreiben in ihr Einsatztagebuch.",
		EN: "Only the ETB keeper and S2 of the organisation write in its journal.",
	},
	"journal.not_reader": {
		DE: "Dieses Einsatztagebuch ist nicht für Sie.",
		EN: "This journal is not yours to read.",
	},
	"journal.operation_already_closed": {
		DE: "Der Einsatz ist bereits geschlossen.",
		EN: "The operation is already closed.",
	},
	"journal.operation_already_open": {
		DE: "Es ist bereits ein Einsatz eröffnet.",
		EN: "An operation is already open.",
	},
	"journal.operation_closed_unchanged": {
		DE: "Ein geschlossener Einsatz bleibt unverändert.",
		EN: "A closed operation stays as it is.",
	},
	"journal.operation_not_found": {
		DE: "Einsatz nicht gefunden.",
		EN: "Operation not found.",
	},
	"journal.operation_with_journal_kept": {
		DE: "Ein Einsatz mit Einsatztagebuch wird aufbewahrt.",
		EN: "An operation with a journal is kept.",
	},
	"journal.search_mark_invalid": {
		DE: "Suchzeichen: A, B, E, K oder W.",
		EN: "Search mark: A, B, E, K or W.",
	},
	"journal.second_close_same_function": {
		DE: "Die zweite Bestätigung muss von der jeweils anderen Funktion kommen.",
		EN: "The second confirmation must come from the other function.",
	},
	"messaging.before_must_date_message": {
		DE: "before muss ein Datum oder eine Nachricht dieses Kanals sein.",
		EN: "before must be a date or a message of this channel.",
	},
	"messaging.belong_no_organisation": {
		DE: "Sie gehören zu keiner Organisation.",
		EN: "You belong to no organisation.",
	},
	"messaging.choose_another_person": {
		DE: "Bitte eine andere Person wählen.",
		EN: "Choose another person.",
	},
	"messaging.conversation_could_not_started": {
		DE: "Das Gespräch konnte nicht begonnen werden.",
		EN: "The conversation could not be started.",
	},
	"messaging.deleted_message_cannot_changed": {
		DE: "Eine gelöschte Nachricht kann nicht geändert werden.",
		EN: "A deleted message cannot be changed.",
	},
	"messaging.do_not_belong_organisation": {
		DE: "Sie gehören nicht zu dieser Organisation.",
		EN: "You do not belong to this organisation.",
	},
	"messaging.guests_do_not_send": {
		DE: "Gäste senden keine Blitz-Nachrichten.",
		EN: "Guests do not send Blitz messages.",
	},
	"messaging.limit_must_positive_number": {
		DE: "limit muss eine positive Zahl sein.",
		EN: "limit must be a positive number.",
	},
	"messaging.may_not_write_channel": {
		DE: "Sie dürfen in diesem Kanal nicht schreiben: Sie sind nicht (mehr) Mitglied, nur lesend dabei, oder der Kanal ist archiviert.",
		EN: "You may not write in this channel: you are not (or no longer) a member, read-only, or the channel is archived.",
	},
	"messaging.message_deleted": {
		DE: "Die Nachricht wurde gelöscht.",
		EN: "The message was deleted.",
	},
	"messaging.message_does_not_ask": {
		DE: "Diese Nachricht verlangt keine Bestätigung.",
		EN: "This message does not ask for acknowledgement.",
	},
	"messaging.no_such_message_channels": {
		DE: "Keine solche Nachricht in Ihren Kanälen.",
		EN: "No such message in your channels.",
	},
	"messaging.no_such_person": {
		DE: "Diese Person gibt es nicht.",
		EN: "No such person.",
	},
	"messaging.not_member_channel": {
		DE: "Sie sind nicht Mitglied dieses Kanals.",
		EN: "You are not a member of this channel.",
	},
	"messaging.only_person_admin_organisation": {
		DE: "Nur die Person selbst oder ein Admin ihrer Organisation darf sie abmelden.",
		EN: "Only the person or an admin of their organisation may sign them out.",
	},
	"messaging.only_write_people_share": {
		DE: "Sie können nur Personen schreiben, mit denen Sie eine Organisation oder einen Kanal teilen.",
		EN: "You can only write to people you share an organisation or a channel with.",
	},
	"messaging.too_many_stock_followers": {
		DE: "Sie folgen allen Nachrichten schon mit %d Verbindungen. Die Anwendung folgt Kanälen (channels/<id>).",
		EN: "You already follow all messages on %d connections. The app follows channels (channels/<id>).",
	},
	"messaging.no_longer_write_for": {
		DE: "Diese Nachricht wurde für %s geschrieben, für die Sie hier nicht mehr schreiben. Bitte eine neue Nachricht senden.",
		EN: "This message was written for %s, for which you no longer write here. Please send a new message.",
	},
	"messaging.topic_spelled_too_often": {
		DE: "Das Thema %s ist %d-mal abonniert (höchstens %d). Jedes Thema bitte nur einmal abonnieren.",
		EN: "The topic %s is subscribed %d times (at most %d). Please subscribe to each topic once.",
	},
	"messaging.too_many_followers": {
		DE: "Sie folgen schon mit %d Verbindungen. Bitte nicht mehr benötigte Fenster schließen.",
		EN: "You already follow on %d connections. Please close windows you no longer need.",
	},
	"common.request_abandoned": {
		DE: "Die Anfrage wurde abgebrochen, bevor sie an der Reihe war.",
		EN: "The request was abandoned before its turn came.",
	},
	"common.too_many_requests_at_once": {
		DE: "Von Ihrer Adresse laufen schon %d Anfragen gleichzeitig. Bitte einen Moment warten und erneut versuchen.",
		EN: "Your address already has %d requests running at once. Please wait a moment and try again.",
	},
	"messaging.too_many_waiting_connections": {
		DE: "Von Ihrer Adresse sind schon %d Verbindungen ohne Abonnement offen. Bitte in einer Minute erneut versuchen.",
		EN: "Your address already holds %d connections without a subscription. Please try again in a minute.",
	},
	"messaging.sign_in_to_follow": {
		DE: "Bitte anmelden, um Änderungen zu folgen.",
		EN: "Please sign in to follow changes.",
	},
	"messaging.stock_messages_need_sign_in": {
		DE: "Bitte anmelden, um Nachrichten zu folgen.",
		EN: "Please sign in to follow messages.",
	},
	"messaging.unknown_topic": {
		DE: "Unbekanntes Thema %s.",
		EN: "Unknown topic %s.",
	},
	"messaging.not_member_channels": {
		DE: "Sie sind nicht Mitglied des Kanals %s.",
		EN: "You are not a member of channel %s.",
	},
	"messaging.sign_follow_channels": {
		DE: "Bitte anmelden, um Kanälen zu folgen.",
		EN: "Please sign in to follow channels.",
	},
	"messaging.until_must_message_channel": {
		DE: "until muss eine Nachricht dieses Kanals sein.",
		EN: "until must be a message of this channel.",
	},
	"messaging.whether_message_must_acknowledged": {
		DE: "Ob eine Nachricht bestätigt werden muss, steht beim Senden fest.",
		EN: "Whether a message must be acknowledged is fixed when it is sent.",
	},
	"messaging.wrote_message": {
		DE: "Sie haben diese Nachricht selbst geschrieben.",
		EN: "You wrote this message.",
	},
	"room.activation_no_longer_running": {
		DE: "Diese Auslösung läuft nicht mehr.",
		EN: "This activation is no longer running.",
	},
	"room.activation_not_waiting_confirmation": {
		DE: "Diese Auslösung wartet nicht auf Bestätigung.",
		EN: "This activation is not waiting for confirmation.",
	},
	"room.confirmation_stop_not_set": {
		DE: "Bestätigung und Stopp werden nicht beim Auslösen gesetzt.",
		EN: "Confirmation and stop are not set when sounding.",
	},
	"room.confirmed_must_signed_person": {
		DE: "confirmed_by muss die angemeldete Person sein.",
		EN: "confirmed_by must be the signed-in person.",
	},
	"room.crisis_staff_operators_only": {
		DE: "Nur Bedienpersonen des Krisenstabs.",
		EN: "Crisis staff operators only.",
	},
	"room.device_not_found": {
		DE: "Gerät nicht gefunden.",
		EN: "Device not found.",
	},
	"room.device_not_siren": {
		DE: "Das Gerät ist keine Sirene und kein Relais.",
		EN: "The device is not a siren or relay.",
	},
	"room.duration_out_of_range": {
		DE: "Dauer muss zwischen 1 und %d Sekunden liegen.",
		EN: "Duration must be between 1 and %d seconds.",
	},
	"room.only_board_devices_read": {
		DE: "Nur Lagetafeln (Gerät der Art board) lesen diese Ansicht.",
		EN: "Only board devices read this view.",
	},
	"room.only_confirming_confirmed_stopping": {
		DE: "Nur Bestätigen (confirmed_by) oder Stoppen (state: stopped) ist möglich.",
		EN: "Only confirming (confirmed_by) or stopping (state: stopped) is possible.",
	},
	"room.only_confirming_stopping_possible": {
		DE: "Nur Bestätigen oder Stoppen ist möglich.",
		EN: "Only confirming or stopping is possible.",
	},
	"room.only_operators_crisis_staff": {
		DE: "Nur Bedienpersonen des Krisenstabs dürfen Sirenen auslösen.",
		EN: "Only operators of the crisis staff may sound sirens.",
	},
	"room.requested_must_signed_person": {
		DE: "requested_by muss die angemeldete Person sein.",
		EN: "requested_by must be the signed-in person.",
	},
	"room.requested_via_set_appliance": {
		DE: "requested_via setzt nur die Anlage.",
		EN: "requested_via is set by the appliance only.",
	},
	"room.second_confirmation_must_come": {
		DE: "Die zweite Bestätigung muss von einer anderen Person kommen.",
		EN: "The second confirmation must come from another person.",
	},
	"room.time_confirmation_run_out": {
		DE: "Die Frist für die Bestätigung ist abgelaufen.",
		EN: "The time for confirmation has run out.",
	},
	"room.unknown_signal": {
		DE: "Unbekanntes Signal (warning, all_clear, test, room_alarm).",
		EN: "Unknown signal (warning, all_clear, test, room_alarm).",
	},
	"sms.device_of_other_organisation": {
		DE: "Dieses Gerät gehört einer anderen Organisation.",
		EN: "This device belongs to another organisation.",
	},
	"sms.only_operators_test_sms": {
		DE: "Nur Bedienpersonen des Krisenstabs lösen Test-SMS aus.",
		EN: "Only crisis staff operators trigger test SMS.",
	},
	"sms.sender_not_international": {
		DE: "Absender bitte international angeben, z. B. +49 170 1234567.",
		EN: "Please give the sender in international form, e.g. +49 170 1234567.",
	},
	"sms.sms_device_not_found": {
		DE: "SMS-Gerät nicht gefunden.",
		EN: "SMS device not found.",
	},
	"sms.test_sms_needs_demo": {
		DE: "Test-SMS gibt es nur mit dem simulierten Modem der Demo.",
		EN: "Test SMS need the demo's simulated modem.",
	},
	"sms.text_does_not_fit": {
		DE: "Der Text passt nicht in eine SMS.",
		EN: "The text does not fit an SMS.",
	},
	"sms.text_missing_or_too_long": {
		DE: "Text fehlt oder ist zu lang (höchstens 1000 Zeichen).",
		EN: "Text missing or too long (at most 1000 characters).",
	},
	"staffroom.forward_failed": {
		DE: "Die Nachricht konnte nicht weitergeleitet werden.",
		EN: "The message could not be forwarded.",
	},
	"staffroom.forward_target_not_writable": {
		DE: "Sie dürfen in den gewählten Kanal nicht schreiben.",
		EN: "You may not write in the chosen channel.",
	},
	"staffroom.message_not_readable": {
		DE: "Diese Nachricht gibt es nicht oder Sie dürfen sie nicht lesen.",
		EN: "This message does not exist or you may not read it.",
	},
	"staffroom.muted_not_a_list": {
		DE: "Die Angabe muted muss eine Liste von Kanälen sein.",
		EN: "The muted value must be a list of channels.",
	},
	"staffroom.note_too_long": {
		DE: "Die Notiz ist zu lang (höchstens 2000 Zeichen).",
		EN: "The note is too long (2000 characters at most).",
	},
	"staffroom.only_author_reminds": {
		DE: "Nur wer die Nachricht geschrieben hat, erinnert an die Bestätigung.",
		EN: "Only the author of the message reminds about acknowledging it.",
	},
	"staffroom.pin_not_allowed": {
		DE: "Sie dürfen in diesem Kanal nichts anheften.",
		EN: "You may not pin anything in this channel.",
	},
	"staffroom.presence_state_invalid": {
		DE: "Der Anwesenheitsstatus (state) muss online oder away sein.",
		EN: "The presence state must be online or away.",
	},
	"staffroom.reminder_too_soon": {
		DE: "Eben wurde schon erinnert; bitte einen Moment warten.",
		EN: "A reminder was just sent; please wait a moment.",
	},
	"staffroom.request_incomplete": {
		DE: "Die Anfrage ist unvollständig.",
		EN: "The request is incomplete.",
	},
	"staffroom.roster_staff_only": {
		DE: "Der Dienstplan ist für den Stab.",
		EN: "The duty roster is for the staff.",
	},
	"staffroom.search_failed": {
		DE: "Die Suche konnte nicht ausgeführt werden.",
		EN: "The search could not be run.",
	},
	"staffroom.settings_missing": {
		DE: "Die Einstellungen fehlen.",
		EN: "The settings are missing.",
	},
	"staffroom.settings_not_an_object": {
		DE: "Die Einstellungen müssen ein Objekt sein.",
		EN: "Settings must be an object.",
	},
	"staffroom.settings_not_saved": {
		DE: "Die Einstellungen wurden nicht gespeichert.",
		EN: "The settings were not saved.",
	},
	"staffroom.tab_too_long": {
		DE: "Die Angabe tab ist zu lang.",
		EN: "The tab value is too long.",
	},
	"staffroom.too_many_pins": {
		DE: "In diesem Kanal sind schon 20 Nachrichten angeheftet; bitte erst eine lösen.",
		EN: "This channel already has 20 pinned messages; please unpin one first.",
	},
	"staffroom.unknown_setting": {
		DE: "Unbekannte Einstellung %s.",
		EN: "Unknown setting %s.",
	},
	"staffroom.unpin_not_allowed": {
		DE: "Sie dürfen in diesem Kanal nichts lösen.",
		EN: "You may not unpin anything in this channel.",
	},
	"tenancy.another_organisation_confusingly_similar": {
		DE: "Dieses Kürzel oder ein zum Verwechseln ähnliches hat schon eine andere Organisation.",
		EN: "Another organisation has this or a confusingly similar short name.",
	},
	"tenancy.another_organisation_gave_channel": {
		DE: "Diese Mitgliedschaft hat eine andere Organisation vergeben.",
		EN: "Another organisation gave this channel membership.",
	},
	"tenancy.cannot_change_own_role": {
		DE: "Sie können Ihre eigene Rolle nicht ändern.",
		EN: "You cannot change your own role.",
	},
	"tenancy.colour_too_close_another": {
		DE: "Diese Farbe ist der einer anderen Organisation zu ähnlich.",
		EN: "This colour is too close to another organisation's.",
	},
	"tenancy.direct_conversation_keeps_both": {
		DE: "Ein Direktgespräch behält beide Personen.",
		EN: "A direct conversation keeps both people.",
	},
	"tenancy.direct_conversations_started_post": {
		DE: "Direktgespräche über /api/crisisroom/direct beginnen.",
		EN: "Direct conversations are started with POST /api/crisisroom/direct.",
	},
	"tenancy.guest_access_comes_only": {
		DE: "Ein Gastzugang entsteht nur durch eine Gasteinladung.",
		EN: "Guest access comes only from a guest invitation.",
	},
	"tenancy.channel_end_follows_membership": {
		DE: "Der Zugang zu einem Kanal endet mit der Mitgliedschaft in der Organisation: Setzen Sie dort das Ablaufdatum oder nehmen Sie die Person aus dem Kanal.",
		EN: "Access to a channel ends with the membership of the organisation: set the end date there, or remove the person from the channel.",
	},
	"tenancy.guest_channel_end_follows_membership": {
		DE: "Das Ende eines Gastzugangs folgt der Gastmitgliedschaft.",
		EN: "The end of a guest's access follows the guest membership.",
	},
	"tenancy.guest_membership_needs_end": {
		DE: "Eine Gastmitgliedschaft braucht ein Ablaufdatum.",
		EN: "A guest membership needs an end date.",
	},
	"tenancy.guests_reach_only_channel": {
		DE: "Gäste erreichen nur den Kanal ihrer Einladung.",
		EN: "Guests reach only the channel of their invitation.",
	},
	"tenancy.guests_reach_only_channels": {
		DE: "Gäste erreichen nur die Kanäle ihrer Einladung.",
		EN: "Guests reach only the channels of their invitation.",
	},
	"tenancy.name_mixes_scripts": {
		DE: "Dieser Name mischt in einem Wort lateinische mit kyrillischen oder griechischen Buchstaben (etwa ein kyrillisches „п“ statt „n“) und ließe sich mit einem anderen Namen verwechseln. Bitte jedes Wort in einer Schrift schreiben.",
		EN: "This name mixes Latin with Cyrillic or Greek letters in one word (such as a Cyrillic \"п\" for \"n\") and could be mistaken for another name. Please write each word in one script.",
	},
	"tenancy.name_taken_too_similar": {
		DE: "Dieser Name ist schon vergeben oder einem vorhandenen zum Verwechseln ähnlich; bitte einen anderen wählen.",
		EN: "This name is taken or too similar to an existing one; please choose another.",
	},
	"tenancy.not_manage_members_channel": {
		DE: "Sie dürfen die Mitglieder dieses Kanals nicht verwalten.",
		EN: "You may not manage the members of this channel.",
	},
	"tenancy.only_admin_changes_user_name": {
		DE: "Den Benutzernamen ändert nur ein Admin der Organisation.",
		EN: "Only an admin of the organisation changes the user name.",
	},
	"tenancy.only_admin_organisation_changes": {
		DE: "Nur ein Admin der Organisation ändert diese Person.",
		EN: "Only an admin of the organisation changes this person.",
	},
	"tenancy.only_mark_read": {
		DE: "Nur Sie selbst markieren Gelesenes.",
		EN: "Only you mark what you have read.",
	},
	"tenancy.only_owner_appoints_owners": {
		DE: "Nur Kanalverantwortliche dürfen Verantwortliche ernennen.",
		EN: "Only the channel's owner may appoint owners.",
	},
	"tenancy.only_person_changes_password": {
		DE: "Das Passwort ändert nur die Person selbst.",
		EN: "Only the person changes its password.",
	},
	"tenancy.only_signed_people_change": {
		DE: "Nur angemeldete Personen ändern Konten.",
		EN: "Only signed-in people change accounts.",
	},
	"tenancy.organisation_confusingly_similar_name": {
		DE: "Eine Organisation mit diesem oder einem zum Verwechseln ähnlichen Namen gibt es bereits.",
		EN: "An organisation with this or a confusingly similar name exists already.",
	},
	"tenancy.organisation_gave_channel_membership": {
		DE: "Die vergebende Organisation bleibt.",
		EN: "The organisation that gave a channel membership stays.",
	},
	"tenancy.organisation_keeps_least_admin": {
		DE: "Eine Organisation braucht mindestens einen Admin.",
		EN: "An organisation keeps at least one admin.",
	},
	"tenancy.signout_belongs_elsewhere": {
		DE: "Diese Person gehört auch zu einer anderen Organisation; sie überall abzumelden, würde auch ihre Arbeit dort beenden. Beenden Sie stattdessen ihre Mitgliedschaft in Ihrer Organisation: Das trennt sie sofort von deren Daten.",
		EN: "This person also belongs to another organisation; signing them out everywhere would end their work there too. End their membership in your organisation instead: that cuts them off its data at once.",
	},
	"tenancy.organisation_suspended": {
		DE: "Die Organisation ist gesperrt.",
		EN: "The organisation is suspended.",
	},
	"tenancy.people_join_organisation_accepting": {
		DE: "Personen treten einer Organisation bei, indem sie eine Einladung annehmen.",
		EN: "People join an organisation by accepting an invitation.",
	},
	"tenancy.person_does_not_belong": {
		DE: "Diese Person gehört zu keiner Organisation dieses Kanals.",
		EN: "This person does not belong to an organisation of this channel.",
	},
	"tenancy.there_exactly_host_organisation": {
		DE: "Es gibt genau eine Krisenstab-Organisation.",
		EN: "There is exactly one host organisation.",
	},
	"tenancy.user_name_taken_too": {
		DE: "Dieser Benutzername ist schon vergeben oder einem vorhandenen zum Verwechseln ähnlich.",
		EN: "This user name is taken or too similar to an existing one.",
	},
	"backup.folder_not_set": {
		DE: "Kein Sicherungsordner eingestellt.",
		EN: "No backup folder is set.",
	},
	"backup.folder_unavailable": {
		DE: "Der Sicherungsordner ist nicht verfügbar.",
		EN: "The backup folder is not available.",
	},
	"backup.settings_invalid": {
		DE: "Ungültige Einstellungen.",
		EN: "Invalid settings.",
	},
	"callout.operators_only_call_out": {
		DE: "Nur Leitung und Bedienpersonen des Krisenstabs alarmieren den Stab.",
		EN: "Only the crisis staff's admins and operators call the staff out.",
	},
	"callout.operators_only_end": {
		DE: "Nur Leitung und Bedienpersonen des Krisenstabs beenden eine Alarmierung.",
		EN: "Only the crisis staff's admins and operators end a call-out.",
	},
	"callout.operators_only_overview": {
		DE: "Die Übersicht sehen Leitung und Bedienpersonen des Krisenstabs.",
		EN: "The overview is for the crisis staff's admins and operators.",
	},
	"callout.text_missing": {
		DE: "Bitte einen Alarmtext angeben (höchstens 600 Zeichen).",
		EN: "Please give an alarm text (at most 600 characters).",
	},
	"callout.unknown_priority": {
		DE: "Unbekannte Priorität.",
		EN: "Unknown priority.",
	},
	"callout.reminder_out_of_range": {
		DE: "Die Erinnerung muss zwischen 0 und 1440 Minuten liegen.",
		EN: "The reminder must be between 0 and 1440 minutes.",
	},
	"callout.nobody_selected": {
		DE: "Niemand würde alarmiert: die Auswahl trifft keine Person. Bitte Organisationen, Funktionen oder eine Gruppe wählen.",
		EN: "Nobody would be alarmed: the selection reaches no one. Please pick organisations, functions or a group.",
	},
	"callout.too_many_recipients": {
		DE: "Höchstens %d Personen je Alarmierung.",
		EN: "At most %d people per call-out.",
	},
	"callout.answer_invalid": {
		DE: "Antwort bitte „coming“ oder „declined“.",
		EN: "Answer must be \"coming\" or \"declined\".",
	},
	"callout.arrival_out_of_range": {
		DE: "Die Minuten bis zur Ankunft müssen zwischen 0 und 1440 liegen.",
		EN: "Minutes to arrival must be between 0 and 1440.",
	},
	"callout.not_for_you": {
		DE: "Diese Alarmierung gilt Ihnen nicht.",
		EN: "This call-out was not for you.",
	},
	"callout.ended": {
		DE: "Diese Alarmierung ist beendet.",
		EN: "This call-out has ended.",
	},
	"callout.not_found": {
		DE: "Alarmierung nicht gefunden.",
		EN: "Call-out not found.",
	},
	"callout.phone_not_visible": {
		DE: "Diese Nummer dürfen Sie nicht sehen.",
		EN: "You may not see this number.",
	},
	"callout.phone_not_changeable": {
		DE: "Diese Nummer dürfen Sie nicht ändern.",
		EN: "You may not change this number.",
	},
	"callout.phone_belongs_elsewhere": {
		DE: "Diese Person gehört auch zu einer Organisation, die Sie nicht verwalten. Ihre Mobilnummer und Blitz-SMS stellt nur sie selbst ein oder wer in jeder ihrer Organisationen Admin ist.",
		EN: "This person also belongs to an organisation you do not run. Their mobile number and Blitz SMS are set only by the person themself or by someone who is an admin in every organisation they belong to.",
	},
	"callout.person_not_found": {
		DE: "Person nicht gefunden.",
		EN: "Person not found.",
	},
	"callout.phone_not_international": {
		DE: "Bitte die Mobilnummer international angeben, z. B. +49 170 1234567.",
		EN: "Please give the mobile number in international form, e.g. +49 170 1234567.",
	},
	"callout.phone_taken": {
		DE: "Diese Mobilnummer ist schon für eine andere Person eingetragen.",
		EN: "This mobile number is already registered for another person.",
	},
	"callout.phone_not_saved": {
		DE: "Die Nummer konnte nicht gespeichert werden.",
		EN: "The number could not be saved.",
	},
	"tenancy.too_many_failed_sign_ins": {
		DE: "Zu viele Fehlversuche. Bitte in %d %s erneut versuchen.",
		EN: "Too many failed attempts. Please try again in %d %s.",
	},
	"tenancy.field_not_changeable": {
		DE: "Dieses Feld darf hier nicht geändert werden: %s.",
		EN: "This field may not be changed here: %s.",
	},
	"messaging.attachment_too_large": {
		DE: "„%s“ ist %.1f MB groß; erlaubt sind höchstens 25 MB.",
		EN: "%q is %.1f MB; files may be at most 25 MB.",
	},
	"messaging.attachment_program": {
		DE: "„%s“ ist ein Programm oder Skript und wird aus Sicherheitsgründen nicht angenommen.",
		EN: "%q is a program or script and is refused for safety.",
	},
	"messaging.attachment_unreadable": {
		DE: "Die Datei ist nicht lesbar.",
		EN: "The file could not be read.",
	},
	"backup.negative_settings": {
		DE: "Intervall und Anzahl dürfen nicht negativ sein.",
		EN: "Interval and count must not be negative.",
	},
	"backup.interval_too_short": {
		DE: "Das Intervall beträgt mindestens 5 Minuten.",
		EN: "The interval is at least 5 minutes.",
	},
	"backup.folder_not_absolute": {
		DE: "Der Sicherungsordner muss ein absoluter Pfad sein.",
		EN: "The backup folder must be an absolute path.",
	},
	"backup.schedule_needs_folder": {
		DE: "Für eine geplante Sicherung fehlt der Ordner.",
		EN: "A scheduled backup needs a folder.",
	},
	"backup.already_running": {
		DE: "Es läuft schon eine Sicherung.",
		EN: "A backup is already running.",
	},
	"messaging.reply_elsewhere": {
		DE: "Die Antwort bezieht sich auf keine Nachricht dieses Kanals.",
		EN: "The reply refers to no message of this channel.",
	},
}
