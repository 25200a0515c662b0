package attack_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// try is one request an attacker makes.
type try struct {
	method, path string
	body         any
}

// expect says what a wrong person must get.
type expect int

const (
	refused  expect = iota // a 4xx answer, and nothing of the victim's in it
	harmless               // any answer (the route serves everyone something), but nothing of the victim's
)

// routeAttack is how the suite attacks one route: the requests each actor makes.
type routeAttack struct {
	expect expect
	tries  func(w *world, a actor) []try
}

func one(method, path string, body any) []try { return []try{{method, path, body}} }

// routeAttacks lists every route of the appliance outside PocketBase's own. A route that
// is registered but missing here fails TestEveryRouteIsAttacked: say how a wrong person
// is refused before it lands.
func routeAttacks() map[string]routeAttack {
	byChannel := func(suffix, method string) func(w *world, a actor) []try {
		return func(w *world, a actor) []try {
			return []try{{method, "/api/crisisroom/channels/" + w.chPOL.Id + suffix, nil},
				{method, "/api/crisisroom/channels/" + w.chSpecial.Id + suffix, nil}}
		}
	}
	byMessage := func(suffix, method string) func(w *world, a actor) []try {
		return func(w *world, a actor) []try {
			return []try{{method, "/api/crisisroom/messages/" + w.msgPOL + suffix, nil},
				{method, "/api/crisisroom/messages/" + w.msgSpec + suffix, nil}}
		}
	}
	static := func(path string) routeAttack {
		return routeAttack{harmless, func(*world, actor) []try { return one("GET", path, nil) }}
	}
	return map[string]routeAttack{
		// messaging
		"GET /api/crisisroom/channels":               {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/channels", nil) }},
		"GET /api/crisisroom/unread":                 {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/unread", nil) }},
		"GET /api/crisisroom/channels/{id}/messages": {refused, byChannel("/messages", "GET")},
		"POST /api/crisisroom/channels/{id}/read":    {refused, byChannel("/read", "POST")},
		"GET /api/crisisroom/channels/{id}/files":    {refused, byChannel("/files", "GET")},
		"POST /api/crisisroom/messages/{id}/ack":     {refused, byMessage("/ack", "POST")},
		"GET /api/crisisroom/messages/{id}/receipts": {refused, byMessage("/receipts", "GET")},
		// Only the caller's own open Blitz messages: a wrong person gets a list, never the victim's.
		"GET /api/crisisroom/flashes": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/flashes", nil) }},
		"POST /api/crisisroom/direct": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/direct", map[string]any{"user": w.polInnen.Id})
		}},
		"GET /api/crisisroom/people":   {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/people", nil) }},
		"GET /api/crisisroom/sessions": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/sessions", nil) }},
		"POST /api/crisisroom/users/{id}/signout": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/users/"+w.s.Demo.Users["tkeller"].Id+"/signout", nil)
		}},
		"GET /api/crisisroom/me": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/me", nil) }},

		// enrolment
		"POST /api/crisisroom/invitations": {refused, func(w *world, a actor) []try {
			return []try{
				{"POST", "/api/crisisroom/invitations", map[string]any{"kind": "member", "organisation": w.polOrg.Id, "role": "admin"}},
				{"POST", "/api/crisisroom/invitations", map[string]any{"kind": "guest", "organisation": w.polOrg.Id, "channel": w.chPOL.Id, "role": "guest"}},
				{"POST", "/api/crisisroom/invitations", map[string]any{"kind": "device", "organisation": w.polOrg.Id}},
			}
		}},
		"GET /api/crisisroom/join/info": {refused, func(*world, actor) []try {
			return []try{{"GET", "/api/crisisroom/join/info?token=AAAAAAAAAAAAAAAAAAAAAA", nil}, {"GET", "/api/crisisroom/join/info", nil}}
		}},
		"POST /api/crisisroom/join": {refused, func(*world, actor) []try {
			return one("POST", "/api/crisisroom/join", map[string]any{"token": "AAAAAAAAAAAAAAAAAAAAAA", "name": "X", "username": "eindringling", "password": "eindringling-2026"})
		}},
		"GET /api/crisisroom/trust": static("/api/crisisroom/trust"),
		"GET /ca.crt":               static("/ca.crt"),
		"GET /join":                 static("/join"),
		"GET /api/crisisroom/setup": static("/api/crisisroom/setup"),
		"POST /api/crisisroom/setup": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/setup", map[string]any{"token": "0000", "organisation": "Fremde Stadt", "name": "X", "username": "zweiterhost", "password": "zweiterhost-2026"})
		}},

		// devices and the room
		"GET /api/crisisroom/board": static("/api/crisisroom/board"),
		"GET /board/{name}":         static("/board/lage"),
		"POST /api/crisisroom/devices": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/devices", map[string]any{"username": "fremd-sirene", "organisation": w.polOrg.Id, "kind": "siren", "driver": "native", "zone": "fremd"})
		}},
		"POST /api/crisisroom/devices/{id}/password": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/devices/" + w.devPOL.Id + "/password", nil}, {"POST", "/api/crisisroom/devices/" + w.siren.Id + "/password", nil}}
		}},
		"GET /api/crisisroom/devices/{id}/history": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/devices/"+w.devPOL.Id+"/history", nil)
		}},
		"POST /api/crisisroom/messages/{id}/fax": {refused, func(w *world, a actor) []try {
			return []try{
				{"POST", "/api/crisisroom/messages/" + w.groupMsg + "/fax", map[string]any{"device": w.devPOL.Id, "number": "0221 123456"}},
				{"POST", "/api/crisisroom/messages/" + w.msgPOL + "/fax", map[string]any{"device": w.devPOL.Id, "number": "0221 123456"}},
			}
		}},
		// the Einsatztagebuch
		"POST /api/crisisroom/journal/entries": {refused, func(w *world, a actor) []try {
			return []try{
				{"POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": w.polOrg.Id, "text": "eingeschleust", "mark": "W"}},
				{"POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": w.polOrg.Id, "text": "berichtigt", "corrects": w.etbPOL}},
			}
		}},
		"POST /api/crisisroom/journal/mark": {refused, func(w *world, a actor) []try {
			return []try{
				{"POST", "/api/crisisroom/journal/mark", map[string]any{"message": w.msgPOL, "organisation": w.polOrg.Id}},
				{"POST", "/api/crisisroom/journal/mark", map[string]any{"message": w.msgSpec, "organisation": w.s.Demo.Orgs["KS"].Id}},
			}
		}},
		"GET /api/crisisroom/journal/head": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/journal/head?organisation="+w.polOrg.Id, nil)
		}},
		"GET /api/crisisroom/journal/export": {refused, func(w *world, a actor) []try {
			return []try{
				{"GET", "/api/crisisroom/journal/export?format=json&organisation=" + w.polOrg.Id, nil},
				{"GET", "/api/crisisroom/journal/export?format=pdf&organisation=" + w.polOrg.Id, nil},
				{"GET", "/api/crisisroom/journal/export?format=json&organisation=" + w.s.Demo.Orgs["KS"].Id, nil},
			}
		}},
		// message forms, orders, Lagebesprechung (hooks/forms). The Fernmelder of the demo
		// (phoffmann, the "plain member of the host") may take messages in and give
		// orders: those routes are harmless; drafts, others' orders, the briefing are not.
		"GET /api/crisisroom/functions": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/functions", nil) }},
		"POST /api/crisisroom/functions/{id}/holders": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/functions/" + formFixture(w, "VB-POL") + "/holders", map[string]any{"user": a.user}},
				{"POST", "/api/crisisroom/functions/" + formFixture(w, "S2") + "/holders", map[string]any{"user": a.user}},
				{"POST", "/api/crisisroom/functions/" + formFixture(w, "VB-POL") + "/holders", map[string]any{"user": w.userId("tkeller"), "remove": true}},
				{"POST", "/api/crisisroom/functions/" + formFixture(w, "Leiter") + "/holders", map[string]any{"user": a.user}},
				{"POST", "/api/crisisroom/functions/" + formFixture(w, "Leiter") + "/holders", map[string]any{"user": w.userId("abecker"), "remove": true}}}
		}},
		"GET /api/crisisroom/forms":        {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/forms", nil) }},
		"GET /api/crisisroom/forms/queues": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/forms/queues", nil) }},
		"POST /api/crisisroom/forms": {harmless, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "text": "eingeschleust"}},
				{"POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "text": "Antwort", "reply_to": formFixture(w, "draft")}}}
		}},
		"POST /api/crisisroom/forms/capture": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/forms/capture", map[string]any{"message": w.msgPOL}},
				{"POST", "/api/crisisroom/forms/capture", map[string]any{"message": w.msgSpec}}}
		}},
		"GET /api/crisisroom/forms/register": {harmless, func(*world, actor) []try {
			return []try{{"GET", "/api/crisisroom/forms/register?direction=in", nil}, {"GET", "/api/crisisroom/forms/register?direction=out", nil}}
		}},
		"GET /api/crisisroom/forms/{id}": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/forms/"+formFixture(w, "draft"), nil)
		}},
		"GET /api/crisisroom/forms/{id}/pdf": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/forms/"+formFixture(w, "draft")+"/pdf", nil)
		}},
		"PATCH /api/crisisroom/forms/{id}": {refused, func(w *world, a actor) []try {
			return one("PATCH", "/api/crisisroom/forms/"+formFixture(w, "draft"), map[string]any{"text": "verfälscht"})
		}},
		"POST /api/crisisroom/forms/{id}/{action}": {refused, func(w *world, a actor) []try {
			d := "/api/crisisroom/forms/" + formFixture(w, "draft")
			return []try{{"POST", d + "/submit", nil}, {"POST", d + "/release", nil}, {"POST", d + "/transmit", map[string]any{"way": "funk"}},
				{"POST", d + "/distribute", map[string]any{"lead": formFixture(w, "S3")}}, {"POST", d + "/done", nil}}
		}},
		"GET /api/crisisroom/tasks": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/tasks", nil) }},
		"POST /api/crisisroom/tasks": {harmless, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/tasks", map[string]any{"title": "Auftrag", "owner": formFixture(w, "VB-POL"), "message": w.msgPOL})
		}},
		"POST /api/crisisroom/tasks/{id}/status": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/tasks/"+formFixture(w, "task")+"/status", map[string]any{"status": "erledigt"})
		}},
		"GET /api/crisisroom/briefing": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/briefing", nil) }},
		"POST /api/crisisroom/briefing": {refused, func(*world, actor) []try {
			return one("POST", "/api/crisisroom/briefing", map[string]any{"at": "2030-01-01T09:00:00Z"})
		}},
		"POST /api/crisisroom/briefing/results": {refused, func(*world, actor) []try {
			return one("POST", "/api/crisisroom/briefing/results", map[string]any{"results": []string{"gefälscht"}})
		}},
		"GET /api/crisisroom/journal/key": static("/api/crisisroom/journal/key"),
		"GET /api/crisisroom/journal/me":  static("/api/crisisroom/journal/me"),
		"POST /api/crisisroom/incidents/{id}/close": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/incidents/"+w.incident+"/close", nil)
		}},
		"GET /api/crisisroom/fax/devices": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/fax/devices", nil) }},
		"POST /api/crisisroom/fax/{device}/test-ring": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/fax/"+w.devPOL.Id+"/test-ring", nil)
		}},

		// the city administration's threat register and complaint procedure (hooks/citystaff),
		// here run by the victim's organisation: nobody outside it learns anything of them
		"GET /api/crisisroom/citystaff/me": {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/citystaff/me", nil) }},
		"POST /api/crisisroom/citystaff/alerts/{id}/seen": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/citystaff/alerts/"+cityFixture(w, "alert")+"/seen", nil)
		}},
		"GET /api/crisisroom/citystaff/log": {refused, func(w *world, a actor) []try {
			return []try{{"GET", "/api/crisisroom/citystaff/log?module=zemag&org=" + w.polOrg.Id, nil}, {"GET", "/api/crisisroom/citystaff/log?module=roles&org=" + w.polOrg.Id, nil}}
		}},
		"GET /api/crisisroom/citystaff/settings": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/citystaff/settings?org="+w.polOrg.Id, nil)
		}},
		"PUT /api/crisisroom/citystaff/settings": {refused, func(w *world, a actor) []try {
			return one("PUT", "/api/crisisroom/citystaff/settings", map[string]any{"organisation": w.polOrg.Id, "zemag": false})
		}},
		"PUT /api/crisisroom/citystaff/roles": {refused, func(w *world, a actor) []try {
			return one("PUT", "/api/crisisroom/citystaff/roles", map[string]any{"organisation": w.polOrg.Id, "user": a.user, "roles": []string{"lookup", "dpo"}})
		}},
		"GET /api/crisisroom/citystaff/people": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/citystaff/people?org="+w.polOrg.Id, nil)
		}},
		"POST /api/crisisroom/zemag/reports": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/zemag/reports", map[string]any{"organisation": w.polOrg.Id, "occurred_at": "2026-01-01T10:00:00Z", "place": "x", "what": "eingeschleust", "level": 3})
		}},
		"GET /api/crisisroom/zemag/reports": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/reports?org="+w.polOrg.Id, nil)
		}},
		"POST /api/crisisroom/zemag/reports/{id}/review": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/zemag/reports/"+cityFixture(w, "report")+"/review", map[string]any{"action": "not_enter", "reason": "weg"})
		}},
		"GET /api/crisisroom/zemag/entries": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/entries?org="+w.polOrg.Id, nil)
		}},
		"POST /api/crisisroom/zemag/entries/{id}/extend": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/zemag/entries/"+cityFixture(w, "entry")+"/extend", map[string]any{"reason": "länger", "months": 60})
		}},
		"POST /api/crisisroom/zemag/entries/{id}/delete": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/zemag/entries/"+cityFixture(w, "entry")+"/delete", map[string]any{"reason": "weg"})
		}},
		"POST /api/crisisroom/zemag/entries/{id}/notice": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/zemag/entries/"+cityFixture(w, "entry")+"/notice", map[string]any{})
		}},
		"GET /api/crisisroom/zemag/entries/{id}/letter": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/entries/"+cityFixture(w, "entry")+"/letter", nil)
		}},
		"POST /api/crisisroom/zemag/lookup": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/zemag/lookup", map[string]any{"organisation": w.polOrg.Id, "name": "Karl Kanarie", "dob": "1970-01-02", "reason": "Az. 4711 Prüfung"}},
				{"POST", "/api/crisisroom/zemag/lookup", map[string]any{"organisation": w.polOrg.Id, "name": "Karl Kanarie", "dob": "1970-01-02"}}}
		}},
		"GET /api/crisisroom/zemag/lookups": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/lookups?org="+w.polOrg.Id, nil)
		}},
		"GET /api/crisisroom/zemag/stats": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/stats?org="+w.polOrg.Id, nil)
		}},
		"GET /api/crisisroom/zemag/stats.svg": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/zemag/stats.svg?org="+w.polOrg.Id, nil)
		}},
		"POST /api/crisisroom/complaints": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/complaints", map[string]any{"organisation": w.polOrg.Id, "citizen_name": "X", "citizen_contact": "Y", "what": "Z", "officer": w.polInnen.Id})
		}},
		"GET /api/crisisroom/complaints": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/complaints?org="+w.polOrg.Id, nil)
		}},
		"POST /api/crisisroom/complaints/{id}/{step}": {refused, func(w *world, a actor) []try {
			c := "/api/crisisroom/complaints/" + cityFixture(w, "case")
			return []try{{"POST", c + "/statement", map[string]any{"text": "x"}}, {"POST", c + "/sign", map[string]any{}}, {"POST", c + "/interim", nil},
				{"POST", c + "/result", map[string]any{"finding": "upheld", "text": "x"}}, {"POST", c + "/opinion", map[string]any{"text": "x"}}}
		}},
		"GET /api/crisisroom/complaints/{id}/letter": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/complaints/"+cityFixture(w, "case")+"/letter?kind=result&to=citizen", nil)
		}},
		"GET /api/crisisroom/complaints/card": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/complaints/card?org="+w.polOrg.Id, nil)
		}},

		// the room's IT (superusers) only
		"GET /api/crisisroom/health":  {refused, func(*world, actor) []try { return one("GET", "/api/crisisroom/health", nil) }},
		"GET /api/crisisroom/backup":  {refused, func(*world, actor) []try { return one("GET", "/api/crisisroom/backup", nil) }},
		"POST /api/crisisroom/backup": {refused, func(*world, actor) []try { return one("POST", "/api/crisisroom/backup", nil) }},
		"PUT /api/crisisroom/backup/settings": {refused, func(*world, actor) []try {
			return one("PUT", "/api/crisisroom/backup/settings", map[string]any{"dir": "/tmp", "interval_minutes": 1, "keep": 1})
		}},

		// staff room (hooks/staffroom): search, jumps, pins, forwarding, mentions, roster, profile
		"GET /api/crisisroom/search": {harmless, func(w *world, a actor) []try {
			return []try{{"GET", "/api/crisisroom/search?q=" + canaryOrg, nil}, {"GET", "/api/crisisroom/search?q=" + canaryShared, nil},
				{"GET", "/api/crisisroom/search?q=KANARIE", nil}}
		}},
		"GET /api/crisisroom/messages/{id}/context": {refused, byMessage("/context", "GET")},
		"GET /api/crisisroom/channels/{id}/pins":    {refused, byChannel("/pins", "GET")},
		"POST /api/crisisroom/messages/{id}/pin":    {refused, byMessage("/pin", "POST")},
		"DELETE /api/crisisroom/messages/{id}/pin":  {refused, byMessage("/pin", "DELETE")},
		"POST /api/crisisroom/messages/{id}/forward": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/messages/" + w.msgPOL + "/forward", map[string]any{"channel": w.flood.Id}},
				{"POST", "/api/crisisroom/messages/" + w.msgSpec + "/forward", map[string]any{"channel": w.flood.Id}},
				{"POST", "/api/crisisroom/messages/" + w.groupMsg + "/forward", map[string]any{"channel": w.chPOL.Id}}}
		}},
		"POST /api/crisisroom/messages/{id}/remind":     {refused, byMessage("/remind", "POST")},
		"GET /api/crisisroom/mentions":                  {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/mentions", nil) }},
		"GET /api/crisisroom/channels/{id}/mentionable": {refused, byChannel("/mentionable", "GET")},
		"GET /api/crisisroom/roster":                    {harmless, func(*world, actor) []try { return one("GET", "/api/crisisroom/roster", nil) }},
		"POST /api/crisisroom/presence": {harmless, func(*world, actor) []try {
			return one("POST", "/api/crisisroom/presence", map[string]any{"state": "away"})
		}},
		"GET /api/crisisroom/profile/settings": {harmless, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/profile/settings?id="+w.userId("tkeller"), nil)
		}},
		"POST /api/crisisroom/profile/settings": {harmless, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/profile/settings", map[string]any{"settings": map[string]any{"muted": []string{w.chPOL.Id}}, "id": w.userId("tkeller")})
		}},
		// SMS gateway and staff call-out (hooks/callout, hardware/smsgateway): only the host's
		// admins and operators call the staff out and see the overview; an answer is the
		// recipient's own; a number is shown to its person, their organisations' admins
		// and the host's admins and operators only.
		"POST /api/crisisroom/callouts": {refused, func(w *world, a actor) []try {
			return []try{{"POST", "/api/crisisroom/callouts", map[string]any{"text": "Falschalarm", "organisations": []string{"POL"}}},
				{"POST", "/api/crisisroom/callouts", map[string]any{"text": "Falschalarm", "group": smsOf(w).group}}}
		}},
		"POST /api/crisisroom/callouts/{id}/answer": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/callouts/"+smsOf(w).callout+"/answer", map[string]any{"answer": "declined"})
		}},
		"POST /api/crisisroom/callouts/{id}/close": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/callouts/"+smsOf(w).callout+"/close", nil)
		}},
		"GET /api/crisisroom/callouts/functions": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/callouts/functions", nil)
		}},
		"POST /api/crisisroom/callouts/preview": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/callouts/preview", map[string]any{"organisations": []string{"POL"}})
		}},
		"GET /api/crisisroom/callouts/{id}/overview": {refused, func(w *world, a actor) []try {
			return one("GET", "/api/crisisroom/callouts/"+smsOf(w).callout+"/overview", nil)
		}},
		"GET /api/crisisroom/phones/{user}": {refused, func(w *world, a actor) []try {
			return []try{{"GET", "/api/crisisroom/phones/" + w.polInnen.Id, nil}, {"GET", "/api/crisisroom/phones/" + w.userId("tkeller"), nil}}
		}},
		"PUT /api/crisisroom/phones/{user}": {refused, func(w *world, a actor) []try {
			return []try{{"PUT", "/api/crisisroom/phones/" + w.polInnen.Id, map[string]any{"number": "+4917099999999", "blitz_sms": false}},
				// FW's admin runs one of her organisations, not POL: refused too.
				{"PUT", "/api/crisisroom/phones/" + smsOf(w).dual, map[string]any{"number": "+4917099999999", "blitz_sms": true}}}
		}},
		"POST /api/crisisroom/sms/{device}/test-receive": {refused, func(w *world, a actor) []try {
			return one("POST", "/api/crisisroom/sms/sms1/test-receive", map[string]any{"from": smsOf(w).number, "text": "OK"})
		}},
	}
}

// appRoute tells the appliance's own routes from PocketBase's (which its own tests cover)
// and from the static file server.
func appRoute(r string) bool {
	_, path, _ := strings.Cut(r, " ")
	switch {
	case strings.HasPrefix(path, "/api/crisisroom"):
		return true
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/_/"), path == "/{path...}", path == "/_":
		return false
	}
	return true
}

func TestEveryRouteIsAttacked(t *testing.T) {
	w := newWorld(t)
	table := routeAttacks()
	var missing, stale []string
	seen := map[string]bool{}
	for _, r := range w.routes {
		if !appRoute(r) {
			continue
		}
		seen[r] = true
		if _, ok := table[r]; !ok {
			missing = append(missing, r)
		}
	}
	for r := range table {
		if !seen[r] {
			stale = append(stale, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes without an entry in routeAttacks (add how a wrong person is refused):\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("routeAttacks names routes the appliance no longer has:\n  %s", strings.Join(stale, "\n  "))
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d routes of the appliance: the router walk is broken (%v)", len(seen), w.routes)
	}
}

func TestRoutesRefuseTheWrongPerson(t *testing.T) {
	w := newWorld(t)
	before := w.snapshot(t)
	secrets := w.secrets()
	names := make([]string, 0)
	table := routeAttacks()
	for r := range table {
		names = append(names, r)
	}
	sort.Strings(names)
	for _, route := range names {
		ra := table[route]
		for _, a := range w.actors {
			for _, tr := range ra.tries(w, a) {
				t.Run(fmt.Sprintf("%s/%s/%s", route, a.name, tr.path), func(t *testing.T) {
					rep := a.client.Do(t, tr.method, tr.path, tr.body)
					if x := leaks(rep.Body, secrets); x != "" {
						t.Errorf("%s %s as %s: the answer holds %q: %s", tr.method, tr.path, a.name, x, rep)
					}
					if ra.expect == refused && (rep.Status < 400 || rep.Status >= 500) {
						t.Errorf("%s %s as %s: want a refusal (4xx), got %s", tr.method, tr.path, a.name, rep)
					}
				})
			}
		}
	}
	w.requireUnchanged(t, before)
}
