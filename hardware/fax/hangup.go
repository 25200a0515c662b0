package fax

import (
	"fmt"
	"strings"
)

// Reason explains why a call ended, for people in both of the room's
// languages. Code is the modem's result ("BUSY") or T.32 hang-up code ("27").
type Reason struct {
	Code string
	DE   string
	EN   string
}

// hangupReasons maps T.32 +FHS codes (hex in Class 2.0) to what an operator
// can act on.
var hangupReasons = map[string]Reason{
	"00": {"00", "Verbindung normal beendet.", "Call ended normally."},
	"01": {"01", "Ring-Erkennung ohne erfolgreiche Faxverbindung.", "Ring detected without a successful fax handshake."},
	"02": {"02", "Verbindung abgebrochen.", "Call aborted."},
	"03": {"03", "Kein Schleifenstrom.", "No loop current."},
	"04": {"04", "Anruf wurde von einem Menschen oder Anrufbeantworter angenommen.", "Call was answered by a person or answering machine."},
	"05": {"05", "Unerwarteter Rufton.", "Unexpected ringback."},
	"10": {"10", "Unbekannter Fehler beim Verbindungsaufbau.", "Unspecified error while setting up the call."},
	"11": {"11", "Gegenstelle antwortet nicht (kein Faxgerät?).", "No answer from the remote station (not a fax machine?)."},
	"20": {"20", "Unbekannter Fehler bei der Übertragung.", "Unspecified error during transmission."},
	"23": {"23", "Ungültiger Befehl von der Gegenstelle.", "Invalid command from the remote station."},
	"25": {"25", "Gegenstelle reagiert nicht auf die Sendeparameter.", "Remote station did not respond to the transmission parameters."},
	"26": {"26", "Gegenstelle hat die Verbindung beendet (DCN).", "Remote station disconnected (DCN)."},
	"27": {"27", "Leitungstraining fehlgeschlagen – schlechte Leitung oder zu hohe Geschwindigkeit.", "Failed to train – poor line or speed too high."},
	"28": {"28", "Gegenstelle antwortet nicht (Zeitüberschreitung).", "Remote station does not respond (timeout)."},
	"40": {"40", "Unbekannter Fehler beim Seitenversand.", "Unspecified error while sending a page."},
	"43": {"43", "Rechner lieferte die Seitendaten zu langsam.", "Computer fed page data too slowly."},
	"44": {"44", "Modem meldet Pufferüberlauf beim Senden.", "Modem transmit buffer overflow."},
	"45": {"45", "Ungültige Zeilenlänge in den Seitendaten.", "Bad line length in page data."},
	"46": {"46", "Ungültige Seitenlänge.", "Bad page length."},
	"47": {"47", "Ungültige Kodierung der Seitendaten.", "Bad coding of page data."},
	"50": {"50", "Unbekannter Fehler nach einer Seite.", "Unspecified error after a page."},
	"51": {"51", "Gegenstelle bestätigt das Seitenende nicht.", "Remote station did not confirm the end of page."},
	"52": {"52", "Keine Antwort der Gegenstelle nach einer Seite.", "No response from the remote station after a page."},
	"53": {"53", "Gegenstelle hat die Seite dreimal abgelehnt.", "Remote station rejected the page three times."},
	"54": {"54", "Gegenstelle hat die Verbindung nach einer Seite beendet.", "Remote station disconnected after a page."},
	"70": {"70", "Unbekannter Fehler beim Empfang.", "Unspecified error while receiving."},
	"71": {"71", "Gegenstelle antwortet nicht beim Empfang.", "Remote station did not respond while receiving."},
	"72": {"72", "Ungültiger Befehl der Gegenstelle beim Empfang.", "Invalid command from the remote station while receiving."},
	"73": {"73", "Erwartete Seite wurde nicht empfangen.", "Expected page was not received."},
	"74": {"74", "Gegenstelle hat die Verbindung beim Empfang beendet.", "Remote station disconnected while receiving."},
	"90": {"90", "Unbekannter Fehler beim Seitenempfang.", "Unspecified error while receiving a page."},
	"91": {"91", "Fünf Sekunden lang kein Zeilenende (EOL) – Daten unlesbar.", "No end of line (EOL) for 5 seconds – data unreadable."},
	"92": {"92", "Modem meldet Pufferüberlauf beim Empfang.", "Modem receive buffer overflow."},
	"93": {"93", "Rechner las die Seitendaten zu langsam.", "Computer read the page data too slowly."},
	"A0": {"A0", "Fehler am Seitenende beim Empfang.", "Receive end-of-page error."},
	"A1": {"A1", "Fehler am Seitenende beim Empfang (keine Antwort).", "Receive end-of-page error (no response)."},
	"A2": {"A2", "Fehler am Seitenende beim Empfang (ungültige Antwort).", "Receive end-of-page error (invalid response)."},
	"A3": {"A3", "Fehler am Seitenende beim Empfang (Verbindung beendet).", "Receive end-of-page error (disconnected)."},
}

// resultReasons explains the modem's own result codes.
var resultReasons = map[string]Reason{
	"BUSY":        {"BUSY", "Die Gegenstelle ist besetzt.", "The remote line is busy."},
	"NO ANSWER":   {"NO ANSWER", "Die Gegenstelle nimmt nicht ab.", "The remote station does not answer."},
	"NO CARRIER":  {"NO CARRIER", "Keine Faxverbindung zustande gekommen (kein Faxgerät oder aufgelegt).", "No fax connection (not a fax machine, or it hung up)."},
	"NO DIALTONE": {"NO DIALTONE", "Kein Wählton – ist die Telefonleitung angeschlossen?", "No dial tone – is the telephone line connected?"},
	"ERROR":       {"ERROR", "Das Modem hat den Befehl abgelehnt.", "The modem rejected the command."},
	"TIMEOUT":     {"TIMEOUT", "Das Modem antwortet nicht rechtzeitig.", "The modem did not answer in time."},
	"GONE":        {"GONE", "Das Faxmodem ist nicht mehr erreichbar (ausgesteckt?).", "The fax modem is no longer reachable (unplugged?)."},
	"REJECTED":    {"REJECTED", "Die Gegenstelle hat eine Seite wiederholt abgelehnt.", "The remote station rejected a page repeatedly."},
	"STOPPED":     {"STOPPED", "Der Faxdienst wurde beendet; der Auftrag wurde nicht gesendet.", "The fax service stopped; the job was not sent."},
	"INVALID":     {"INVALID", "Der Sendeauftrag ist ungültig.", "The send request is invalid."},
}

// HangupReason explains a T.32 hang-up code such as "27" or "A0".
func HangupReason(code string) Reason {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) == 1 {
		code = "0" + code
	}
	if r, ok := hangupReasons[code]; ok {
		return r
	}
	return Reason{code, fmt.Sprintf("Verbindung mit Fehlercode %s beendet.", code), fmt.Sprintf("Call ended with error code %s.", code)}
}

// ResultReason explains a modem result code such as "BUSY".
func ResultReason(result string) Reason {
	if r, ok := resultReasons[result]; ok {
		return r
	}
	return Reason{result, "Modem meldet: " + result, "Modem says: " + result}
}

// CallError is a call that did not end well.
type CallError struct {
	Reason
	// Retry is whether trying again later may help (busy, no answer).
	Retry bool
	Err   error // underlying cause, if any
}

func (e *CallError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("fax call failed (%s): %s: %v", e.Code, e.EN, e.Err)
	}
	return fmt.Sprintf("fax call failed (%s): %s", e.Code, e.EN)
}

func (e *CallError) Unwrap() error { return e.Err }

func resultError(result string) *CallError {
	switch result {
	case "BUSY", "NO ANSWER", "NO CARRIER", "NO DIALTONE", "NO DIAL TONE":
		if result == "NO DIAL TONE" {
			result = "NO DIALTONE"
		}
		return &CallError{Reason: ResultReason(result), Retry: true}
	}
	return &CallError{Reason: ResultReason(result)}
}

func hangupError(code string) *CallError {
	r := HangupReason(code)
	switch r.Code {
	case "11", "25", "27", "28", "01", "04", "05":
		// Nobody or nothing fax-like answered, or the line was poor: the
		// next attempt may reach a better line.
		return &CallError{Reason: r, Retry: true}
	}
	return &CallError{Reason: r}
}
