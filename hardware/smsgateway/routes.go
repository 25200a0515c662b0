package smsgateway

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/sms"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

func (g *Gateway) routes(e *core.ServeEvent) {
	e.Router.POST("/api/crisisroom/sms/{device}/test-receive", g.handleTestReceive)
}

// handleTestReceive answers POST /api/crisisroom/sms/{device}/test-receive
// {"from": "+49…", "text": "…"}: the demo's simulated network delivers an SMS to the
// modem, which the driver reads like any other. Host admins and operators only, and
// only for a simulated modem.
func (g *Gateway) handleTestReceive(re *core.RequestEvent) error {
	if re.Auth == nil || re.Auth.Collection().Name != "users" || !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return re.ForbiddenError("Nur Bedienpersonen des Krisenstabs lösen Test-SMS aus. / Only crisis staff operators trigger test SMS.", nil)
	}
	key := re.Request.PathValue("device")
	dev, err := re.App.FindRecordById("devices", key)
	if err != nil {
		dev, err = re.App.FindFirstRecordByData("devices", "username", key)
	}
	if err != nil || dev.GetString("kind") != Kind {
		return re.NotFoundError("SMS-Gerät nicht gefunden. / SMS device not found.", nil)
	}
	if !hardware.MayUseDevice(re.App, re.Auth.Id, dev) {
		return re.ForbiddenError("Dieses Gerät gehört einer anderen Organisation. / This device belongs to another organisation.", nil)
	}
	s := g.Simulator(dev.Id)
	if s == nil {
		return re.BadRequestError("Test-SMS gibt es nur mit dem simulierten Modem der Demo. / Test SMS need the demo's simulated modem.", nil)
	}
	var body struct {
		From string `json:"from"`
		Text string `json:"text"`
	}
	if err := re.BindBody(&body); err != nil {
		return re.BadRequestError("Ungültige Anfrage. / Invalid request.", err)
	}
	from, err := sms.NormalizeE164(body.From)
	if err != nil {
		return re.BadRequestError("Absender bitte international angeben, z. B. +49 170 1234567. / Please give the sender in international form, e.g. +49 170 1234567.", err)
	}
	if body.Text == "" || len([]rune(body.Text)) > 1000 {
		return re.BadRequestError("Text fehlt oder ist zu lang (höchstens 1000 Zeichen). / Text missing or too long (at most 1000 characters).", nil)
	}
	if err := s.Receive(from, body.Text); err != nil {
		return re.BadRequestError("Der Text passt nicht in eine SMS. / The text does not fit an SMS.", err)
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "sms.test_receive", Organisation: dev.GetString("organisation"), Target: dev.Id})
	return re.JSON(202, map[string]any{"received": true})
}
