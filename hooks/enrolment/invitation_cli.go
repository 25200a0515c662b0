package enrolment

import (
	"crisisroom/hooks"
	"fmt"
	"io"
	"time"

	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"
)

// InviteCommand is `crisisroom invite`: an invitation from the terminal, for a box
// without a screen or before anyone can sign in. It acts for the host organisation and
// needs no running server.
func InviteCommand(app core.App, cfg *hooks.Config) *cobra.Command {
	var (
		req    InvitationRequest
		device DeviceSpec
		days   float64
	)
	c := &cobra.Command{
		Use:   "invite",
		Short: "Creates an invitation and prints its link and QR code / Erstellt eine Einladung mit Link und QR-Code",
		Example: `  crisisroom invite --kind organisation
  crisisroom invite --kind member --org POL --role admin --function Verbindungsbeamter
  crisisroom invite --kind guest --channel <id> --guest-days 3
  crisisroom invite --kind device --device-name "Sirene Rathaus" --device-kind siren --driver tasmota --topic sirene_rathaus --zone mitte`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			if req.Kind == "guest" && req.MemberExpires == "" {
				req.MemberExpires = time.Now().Add(time.Duration(days * float64(24*time.Hour))).UTC().Format("2006-01-02 15:04:05.000Z")
			}
			if req.Kind == "device" {
				req.Device = &device
			}
			_, err := RunInvite(app, cfg, req, cmd.OutOrStdout())
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&req.Kind, "kind", "member", "organisation, member, guest or device")
	f.StringVar(&req.Organisation, "org", "", "organisation (name, short name or id) for member and device invitations")
	f.StringVar(&req.Role, "role", "", "member: member, operator or admin; guest: readonly or member")
	f.StringVar(&req.Function, "function", "", `function in the staff, e.g. "S2"`)
	f.StringVar(&req.Channel, "channel", "", "guest: the channel's id")
	f.StringVar(&req.Label, "label", "", "a note for the list of invitations")
	f.Float64Var(&req.ExpiresInHours, "hours", 24, "hours the invitation stays valid (at most 720)")
	f.IntVar(&req.MaxUses, "uses", 1, "how many people or devices may use it (at most 500)")
	f.StringVar(&req.MemberExpires, "member-expires", "", `guest: end of the guest's access ("2026-12-01 18:00:00Z")`)
	f.Float64Var(&days, "guest-days", 1, "guest: days of access when --member-expires is not given")
	f.StringVar(&device.Name, "device-name", "", "device: its name")
	f.StringVar(&device.Username, "device-username", "", "device: its MQTT user name (default: from the name)")
	f.StringVar(&device.Kind, "device-kind", "", "device: fax, siren, board, relay, bridge or sensor")
	f.StringVar(&device.Driver, "driver", "", "device: tasmota, shelly1, shelly2, homeassistant, native, fax-class2, …")
	f.StringVar(&device.Topic, "topic", "", "device: its own topic for third-party conventions")
	f.StringVar(&device.Zone, "zone", "", "device: siren zone")
	f.StringVar(&device.Channel, "device-channel", "", "device: the channel it posts into (id)")
	return c
}

// RunInvite issues the invitation for the host and prints link, QR code and fingerprint.
func RunInvite(app core.App, cfg *hooks.Config, req InvitationRequest, w io.Writer) (*IssuedInvitation, error) {
	en := &enrolment{cfg: cfg}
	a, err := en.authority(app)
	if err != nil {
		return nil, err
	}
	issued, err := IssueInvitation(app, nil, req, en.linkBase(nil), a.ShortFingerprint(), a.Fingerprint())
	if err != nil {
		return nil, err
	}
	q, err := qrcode.New(issued.URL, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\n  Einladung / invitation: %s\n  %s\n\n  Gültig bis / valid until: %s\n  Zertifikat / certificate SHA-256:\n  %s\n\n%s\n",
		issued.Grants, issued.URL, issued.Expires, issued.Fingerprint, q.ToSmallString(false))
	return issued, nil
}
