package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"crisisroom/appliance"
	"crisisroom/hooks"
	"crisisroom/hooks/tenancy"
	_ "crisisroom/migrations"
)

// benchUser is one seeded person with a ready auth token and the shared channel they
// talk in.
type benchUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Token    string `json:"token"`
	Channel  string `json:"channel"`
}

// seeded is what the load needs to know about the data set.
type seeded struct {
	Users    []benchUser      `json:"users"`
	Channels []string         `json:"channels"`
	Members  map[string][]int `json:"-"` // channel id -> indexes into Users
}

var orgKinds = []string{"host", "police", "fire", "clinic", "administration", "utility", "ems", "ngo", "military", "other"}

// seed fills a fresh data dir the way the running appliance would: same migrations, same
// hooks, so channel owners and memberships look like real ones. The server is started on
// the same dir afterwards; this process closes its database first.
//
// Users i of every organisation are spread over the channels round-robin, so each shared
// channel has people from every tenant, as in a real crisis staff channel.
func seed(dir string, clients, orgs, channels int) (*seeded, error) {
	if orgs < 1 || channels < 1 || clients < orgs || clients < channels {
		return nil, fmt.Errorf("need at least one organisation and channel and no fewer clients than either (clients %d, orgs %d, channels %d)", clients, orgs, channels)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return nil, fmt.Errorf("failed to bootstrap the seeding app: %w", err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return nil, fmt.Errorf("failed to migrate: %w", err)
	}
	appliance.RegisterHooks(app, &hooks.Config{Quiet: true})

	// One bcrypt hash for everybody: hashing a thousand passwords would take a minute and
	// the load never signs in with a password (it uses tokens).
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-password-2026"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}

	s := &seeded{Members: map[string][]int{}}
	users := make([]*core.Record, clients)
	err = app.RunInTransaction(func(tx core.App) error {
		usersColl, err := tx.FindCachedCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		membersColl, err := tx.FindCachedCollectionByNameOrId("channel_members")
		if err != nil {
			return err
		}
		orgIDs := make([]string, orgs)
		for o := range orgs {
			kind := orgKinds[o%len(orgKinds)]
			if o > 0 && kind == "host" {
				kind = "other"
			}
			org, err := tenancy.NewOrganisation(tx, "Organisation "+label(o, 2), "O"+label(o, 2), kind, "#455a64")
			if err != nil {
				return fmt.Errorf("organisation %d: %w", o, err)
			}
			orgIDs[o] = org.Id
		}
		for i := range clients {
			u := core.NewRecord(usersColl)
			u.Set("name", "Person "+label(i, 4))
			u.Set("username", "bench"+label(i, 4))
			u.Set("locale", "de")
			u.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
			if err := tx.Save(u); err != nil {
				return fmt.Errorf("user %d: %w", i, err)
			}
			users[i] = u
			role := "member"
			if i < orgs { // the first person of each organisation is its admin
				role = "admin"
			}
			if _, err := tenancy.NewMembership(tx, u.Id, orgIDs[i%orgs], role, "", nil); err != nil {
				return fmt.Errorf("membership %d: %w", i, err)
			}
		}
		// Channel c is owned by the host and joined by every organisation; its creator is
		// the first host person assigned to it.
		chanIDs := make([]string, channels)
		for c := range channels {
			creator := ""
			for i := c; i < clients; i += channels {
				if i%orgs == 0 {
					creator = users[i].Id
					break
				}
			}
			ch, err := tenancy.NewChannel(tx, orgIDs[0], "shared", fmt.Sprintf("Lage %02d", c), "Lastprobe", orgIDs, creator)
			if err != nil {
				return fmt.Errorf("channel %d: %w", c, err)
			}
			chanIDs[c] = ch.Id
		}
		for i, u := range users {
			ch := chanIDs[i%channels]
			if exists, _ := tx.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", map[string]any{"c": ch, "u": u.Id}); exists != nil {
				continue // the channel's creator is already its owner
			}
			cm := core.NewRecord(membersColl)
			cm.Set("channel", ch)
			cm.Set("user", u.Id)
			cm.Set("role", "member")
			if err := tx.Save(cm); err != nil {
				return fmt.Errorf("channel member %d: %w", i, err)
			}
		}
		s.Channels = chanIDs
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("failed to seed: %w", err)
	}

	for i, u := range users {
		tok, err := u.NewAuthToken()
		if err != nil {
			return nil, fmt.Errorf("token for %s: %w", u.GetString("username"), err)
		}
		ch := s.Channels[i%channels]
		s.Users = append(s.Users, benchUser{ID: u.Id, Username: u.GetString("username"), Token: tok, Channel: ch})
		s.Members[ch] = append(s.Members[ch], i)
	}
	// The tokens are kept next to the data so a run can be repeated by hand (curl, a browser).
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench_tokens.json"), b, 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

// label writes n in width letters that no name check reads alike (digits read as
// letters, 6 and 9 alike, and vowels fold: tenancy.NameKey), so the seeded names differ.
func label(n, width int) string {
	const digits = "bcdfghjkmpqstxz"
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = digits[n%len(digits)]
		n /= len(digits)
	}
	return string(b)
}
