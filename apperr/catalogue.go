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
	"common.channel_archived": {
		DE: "Der Kanal ist archiviert.",
		EN: "The channel is archived.",
	},
	"common.request_could_not_read": {
		DE: "Die Anfrage ist unlesbar.",
		EN: "The request could not be read.",
	},
	"common.sign_in": {
		DE: "Bitte anmelden.",
		EN: "Please sign in.",
	},
	"common.unknown_channel": {
		DE: "Unbekannter Kanal.",
		EN: "Unknown channel.",
	},
	"device.device_does_not_belong": {
		DE: "Dieses Gerät gehört nicht Ihrer Organisation.",
		EN: "This device does not belong to your organisation.",
	},
	"enrolment.already_belong_organisation": {
		DE: "Sie gehören dieser Organisation bereits an.",
		EN: "You already belong to this organisation.",
	},
	"enrolment.appliance_not_set_up": {
		DE: "Die Anlage ist noch nicht eingerichtet.",
		EN: "The appliance is not set up yet.",
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
	"enrolment.which_organisation": {
		DE: "Welche Organisation?",
		EN: "Which organisation?",
	},
	"fax.channel_no_fax_device": {
		DE: "Für diesen Kanal gibt es kein Faxgerät.",
		EN: "This channel has no fax device.",
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
	"fax.fax_no_text": {
		DE: "Das Fax hat keinen Text.",
		EN: "The fax has no text.",
	},
	"fax.message_not_channel": {
		DE: "Die Nachricht gehört nicht zu diesem Kanal.",
		EN: "The message is not in this channel.",
	},
	"fax.name_channel": {
		DE: "Bitte einen Kanal angeben.",
		EN: "Please name a channel.",
	},
	"fax.only_people_write_channel": {
		DE: "Nur wer in diesem Kanal schreiben darf, kann aus ihm faxen.",
		EN: "Only people who may write in this channel can fax from it.",
	},
	"fax.only_signed_people_send": {
		DE: "Nur angemeldete Personen senden Faxe.",
		EN: "Only signed-in people send faxes.",
	},
	"fax.text_too_long_fax": {
		DE: "Der Text ist zu lang für ein Fax (höchstens 20000 Zeichen).",
		EN: "The text is too long for a fax (at most 20000 characters).",
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
}
