package smsgateway

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
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
		return apperr.Forbidden("sms.only_operators_test_sms")
	}
	key := re.Request.PathValue("device")
	dev, err := re.App.FindRecordById("devices", key)
	if err != nil {
		dev, err = re.App.FindFirstRecordByData("devices", "username", key)
	}
	if err != nil || dev.GetString("kind") != Kind {
		return apperr.NotFound("sms.sms_device_not_found")
	}
	if !hardware.MayUseDevice(re.App, re.Auth.Id, dev) {
		return apperr.Forbidden("sms.device_of_other_organisation")
	}
	s := g.Simulator(dev.Id)
	if s == nil {
		return apperr.BadRequest("sms.test_sms_needs_demo")
	}
	var body struct {
		From string `json:"from"`
		Text string `json:"text"`
	}
	if err := re.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	from, err := sms.NormalizeE164(body.From)
	if err != nil {
		return apperr.New(http.StatusBadRequest, "sms.sender_not_international", err)
	}
	if body.Text == "" || len([]rune(body.Text)) > 1000 {
		return apperr.BadRequest("sms.text_missing_or_too_long")
	}
	if err := s.Receive(from, body.Text); err != nil {
		return apperr.New(http.StatusBadRequest, "sms.text_does_not_fit", err)
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "sms.test_receive", Organisation: dev.GetString("organisation"), Target: dev.Id})
	return re.JSON(202, map[string]any{"received": true})
}
