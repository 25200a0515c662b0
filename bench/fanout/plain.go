package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"golang.org/x/crypto/bcrypt"

	"crisisroom/durability"
)

// The plain path is PocketBase as it comes, without any of crisisroom's hooks, with one
// collection "notes" shaped like messages (channel, author, body, client_key) whose create
// rule only asks that the author is the signed-in user. Its create rate is the comparison
// for the appliance's message create with every hook, in the same run. It opens SQLite the
// appliance's way (durability.Connect: synchronous=FULL), so both pay the same fsync.

// plainSeed prepares dir for servePlain: PocketBase's system collections, "notes", one
// user; it returns the user's id and auth token.
func plainSeed(dir string) (userID, token string, err error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return "", "", err
	}
	defer app.ResetBootstrapState()
	if err := app.RunSystemMigrations(); err != nil {
		return "", "", err
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return "", "", err
	}
	notes := core.NewBaseCollection("notes")
	notes.Fields.Add(
		&core.TextField{Name: "channel", Required: true},
		&core.RelationField{Name: "author", CollectionId: users.Id, MaxSelect: 1, Required: true},
		&core.TextField{Name: "body", Max: 20000},
		&core.TextField{Name: "client_key"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	notes.CreateRule = types.Pointer(`@request.auth.id != "" && author = @request.auth.id`)
	notes.AddIndex("idx_notes_author_key", true, "author, client_key", "client_key != ''")
	if err := app.Save(notes); err != nil {
		return "", "", fmt.Errorf("notes collection: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-password-2026"), bcrypt.MinCost)
	if err != nil {
		return "", "", err
	}
	u := core.NewRecord(users)
	u.SetEmail("plain@bench.invalid")
	u.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
	if err := app.Save(u); err != nil {
		return "", "", fmt.Errorf("plain user: %w", err)
	}
	token, err = u.NewAuthToken()
	return u.Id, token, err
}

// servePlain serves dir with PocketBase alone (the child process of the plain path).
func servePlain(dir, addr string) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	err := apis.Serve(app, apis.ServeConfig{HttpAddr: addr})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
