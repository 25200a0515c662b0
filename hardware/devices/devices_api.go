package devices

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	qrcode "github.com/skip2/go-qrcode"

	"crisisroom/apperr"
	"crisisroom/hardware"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
	"crisisroom/trust"
)

// Device credentials are made by the appliance, shown once, and stored hashed: an
// operator never invents an MQTT password, and nobody can read one back later.

// DeviceRequest is the body of POST /api/crisisroom/devices.
type DeviceRequest struct {
	Name         string         `json:"name"`
	Username     string         `json:"username"`
	Organisation string         `json:"organisation"` // default: the host
	Kind         string         `json:"kind"`
	Driver       string         `json:"driver"`
	Topic        string         `json:"topic"`
	Zone         string         `json:"zone"`
	Channel      string         `json:"channel"`
	Outdoor      bool           `json:"outdoor"`
	Config       map[string]any `json:"config"`
	// Relay is the relay a siren hangs on, 1-based (Tasmota POWER<n>; Shelly relay/<n-1>);
	// 0 or absent means 1.
	Relay int `json:"relay"`
	// HARemote lets Home Assistant ask for activations of this siren (see sirens_ha.go).
	HARemote bool `json:"ha_remote"`
}

// DeviceCredentials is the one-time answer with the new credentials.
type DeviceCredentials struct {
	Record   *core.Record `json:"record"`
	Username string       `json:"username"`
	Password string       `json:"password"`
	MQTTURL  string       `json:"mqtt_url"`
	QR       string       `json:"qr"` // PNG data URL of MQTTURL
}

func Register(app core.App, b *hardware.Broker) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.POST("/api/crisisroom/devices", func(re *core.RequestEvent) error {
			return handleDeviceCreate(re, b)
		}).Bind(apis.BodyLimit(64 << 10))
		e.Router.POST("/api/crisisroom/devices/{id}/password", func(re *core.RequestEvent) error {
			return handleDevicePassword(re, b)
		})
		e.Router.GET("/api/crisisroom/devices/{id}/history", handleDeviceHistory)
		return e.Next()
	})
}

func requireHostOperator(re *core.RequestEvent) error {
	if re.Auth == nil || re.Auth.Collection().Name != "users" || !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("device.only_operators_manage")
	}
	return nil
}

func newDevicePassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func handleDeviceCreate(re *core.RequestEvent, b *hardware.Broker) error {
	if err := requireHostOperator(re); err != nil {
		return err
	}
	var in DeviceRequest
	if err := re.BindBody(&in); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	in.Username = strings.TrimSpace(strings.ToLower(in.Username))
	if in.Organisation == "" {
		if host := tenancy.HostOrganisation(re.App); host != nil {
			in.Organisation = host.Id
		}
	}
	if _, err := re.App.FindRecordById("organisations", in.Organisation); err != nil {
		return apperr.BadRequest("device.organisation_not_found")
	}
	if _, err := re.App.FindFirstRecordByData("devices", "username", in.Username); err == nil {
		return apperr.BadRequest("device.name_taken")
	}
	coll, err := re.App.FindCachedCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	rec := core.NewRecord(coll)
	rec.Set("name", strings.TrimSpace(in.Name))
	rec.Set("username", in.Username)
	rec.Set("organisation", in.Organisation)
	rec.Set("kind", in.Kind)
	rec.Set("driver", in.Driver)
	rec.Set("topic", strings.TrimSpace(in.Topic))
	rec.Set("zone", strings.TrimSpace(in.Zone))
	rec.Set("channel", in.Channel)
	rec.Set("outdoor", in.Outdoor)
	rec.Set("relay", in.Relay)
	rec.Set("ha_remote", in.HARemote && hardware.IsSirenKind(in.Kind))
	if in.Config != nil {
		rec.Set("config", in.Config)
	}
	password := newDevicePassword()
	rec.SetPassword(password)
	if err := re.App.Save(rec); err != nil {
		return deviceNotCreated(coll, in, err)
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "devices.create", Organisation: in.Organisation, Target: rec.Id,
		Data: map[string]any{"device": rec.Id, "name": rec.GetString("name"), "username": in.Username, "kind": in.Kind, "driver": in.Driver, "topic": in.Topic, "zone": in.Zone, "outdoor": in.Outdoor, "relay": in.Relay, "ha_remote": in.HARemote && hardware.IsSirenKind(in.Kind)}})
	return re.JSON(http.StatusOK, credentials(re, b, rec, password))
}

// deviceNotCreated is the answer to a failed save of a new device: a refusal of the
// appliance's own hooks (a topic taken, …) as it is; an unknown driver or kind as the
// catalogue's text naming the possible ones; anything else as device.not_created. The
// field errors stay in data beside the code, so a form can mark its fields.
func deviceNotCreated(coll *core.Collection, in DeviceRequest, err error) error {
	var ae *router.ApiError
	if errors.As(err, &ae) {
		if _, ok := ae.Data["code"]; ok {
			return ae
		}
	}
	var fields validation.Errors
	if errors.As(err, &fields) {
		for _, f := range []struct{ name, value, code string }{{"driver", in.Driver, "device.unknown_driver"}, {"kind", in.Kind, "device.unknown_kind"}} {
			sel, _ := coll.Fields.GetByName(f.name).(*core.SelectField)
			if fields[f.name] == nil || sel == nil || f.value == "" || slices.Contains(sel.Values, f.value) {
				continue
			}
			return apperr.New(http.StatusBadRequest, f.code, err, f.value, strings.Join(sel.Values, ", "))
		}
	}
	return apperr.New(http.StatusBadRequest, "device.not_created", err)
}

func handleDevicePassword(re *core.RequestEvent, b *hardware.Broker) error {
	if re.Auth == nil || re.Auth.Collection().Name != "users" {
		return apperr.Unauthorized("common.sign_in")
	}
	rec, err := re.App.FindRecordById("devices", re.Request.PathValue("id"))
	if err != nil {
		return apperr.NotFound("room.device_not_found")
	}
	// New credentials are the device's identity: whoever holds them acts as the device.
	// So they go to the host's operators for the host's devices, and to the admins of the
	// organisation that owns any other device (a leaked password is theirs to revoke).
	hostOwn := tenancy.IsHostOperator(re.App, re.Auth.Id) && hardware.MayUseDevice(re.App, re.Auth.Id, rec)
	if !hostOwn && tenancy.RoleIn(re.App, re.Auth.Id, rec.GetString("organisation")) != "admin" {
		return hardware.DeviceForbidden()
	}
	password := newDevicePassword()
	rec.SetPassword(password)
	if err := re.App.Save(rec); err != nil {
		return apperr.New(http.StatusBadRequest, "device.password_not_changed", err)
	}
	// A reset answers a leaked password: connections opened with the old one end now
	// (the device reconnects with the new one).
	if b != nil {
		b.Revoke(rec.GetString("username"))
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "devices.password", Organisation: rec.GetString("organisation"), Target: rec.Id,
		Data: map[string]any{"device": rec.Id, "username": rec.GetString("username")}})
	return re.JSON(http.StatusOK, credentials(re, b, rec, password))
}

func credentials(re *core.RequestEvent, b *hardware.Broker, rec *core.Record, password string) DeviceCredentials {
	// The Host header is the client's word: a stranger's name in the device's URL would
	// send the device, with its password, to the stranger (trust.RequestHost).
	host, _ := trust.RequestHost(re.Request)
	if host == "" {
		host = "localhost"
	}
	port := "1883"
	if a := b.Addr(); a != nil {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port = p
		}
	}
	u := url.URL{Scheme: "mqtt", User: url.UserPassword(rec.GetString("username"), password), Host: net.JoinHostPort(host, port)}
	out := DeviceCredentials{Record: rec, Username: rec.GetString("username"), Password: password, MQTTURL: u.String()}
	if png, err := qrcode.Encode(out.MQTTURL, qrcode.Medium, 320); err == nil {
		out.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	}
	return out
}

// handleDeviceHistory: the audit lines that name a device and its siren activations,
// for host operators (the audit collection itself is for admins).
func handleDeviceHistory(re *core.RequestEvent) error {
	if err := requireHostOperator(re); err != nil {
		return err
	}
	id := re.Request.PathValue("id")
	dev, err := re.App.FindRecordById("devices", id)
	if err != nil {
		return apperr.NotFound("room.device_not_found")
	}
	// A device's history is its organisation's activity.
	if !hardware.MayUseDevice(re.App, re.Auth.Id, dev) {
		return hardware.DeviceForbidden()
	}
	acts, err := re.App.FindRecordsByFilter("siren_activations", "device = {:d}", "-created", 50, 0, dbx.Params{"d": id})
	if err != nil {
		acts = []*core.Record{}
	}
	ids := []any{id}
	for _, a := range acts {
		ids = append(ids, a.Id)
	}
	type line struct {
		Id        string         `json:"id"`
		Created   string         `json:"created"`
		Action    string         `json:"action"`
		ActorName string         `json:"actor_name"`
		Target    string         `json:"target"`
		Data      map[string]any `json:"data"`
	}
	var lines []line
	q := re.App.RecordQuery("audit").
		AndWhere(dbx.Or(dbx.In("target", ids...), dbx.HashExp{"device": id}, dbx.NewExp("json_extract(data, '$.device') = {:d}", dbx.Params{"d": id}))).
		OrderBy("created DESC").Limit(200)
	var recs []*core.Record
	if err := q.All(&recs); err == nil {
		for _, r := range recs {
			var data map[string]any
			_ = r.UnmarshalJSONField("data", &data)
			lines = append(lines, line{r.Id, r.GetDateTime("created").Time().UTC().Format("2006-01-02T15:04:05Z"), r.GetString("action"), r.GetString("actor_name"), r.GetString("target"), data})
		}
	}
	if lines == nil {
		lines = []line{}
	}
	return re.JSON(http.StatusOK, map[string]any{"audit": lines, "activations": acts})
}
