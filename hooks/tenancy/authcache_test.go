package tenancy_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"crisisroom/testkit"
)

// The auth cache never keeps a token alive that PocketBase would refuse: after "sign out
// everywhere", a password change, a removed account and the token's own expiry, the very
// next request with the old token is not signed in. Each token is used first, so that it
// is in the cache when the change happens.
func TestAuthCacheRevokesAtOnce(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	me := func(c testkit.Client) int { return c.Do(t, "GET", "/api/crisisroom/me", nil).Status }
	signedIn := func(who string, c testkit.Client) {
		t.Helper()
		for i := 0; i < 3; i++ { // the first request fills the cache, the others hit it
			if st := me(c); st != http.StatusOK {
				t.Fatalf("%s: /me answered %d with a fresh token", who, st)
			}
		}
	}
	refused := func(what string, c testkit.Client) {
		t.Helper()
		if st := me(c); st == http.StatusOK {
			t.Errorf("%s: the old token is still accepted", what)
		}
	}

	// sign out everywhere, by the person's admin
	kvogel := s.As(t, "kvogel")
	signedIn("kvogel", kvogel)
	if r := s.As(t, "sbraun").Do(t, "POST", "/api/crisisroom/users/"+s.Demo.Users["kvogel"].Id+"/signout", nil); r.Status != 200 {
		t.Fatalf("signout: %s", r)
	}
	refused("after sign out everywhere", kvogel)
	signedIn("kvogel signed in again", s.As(t, "kvogel"))

	// a password change
	lneumann := s.As(t, "lneumann")
	signedIn("lneumann", lneumann)
	if r := lneumann.Do(t, "PATCH", "/api/collections/users/records/"+s.Demo.Users["lneumann"].Id, map[string]any{
		"oldPassword": "krisenstab2026", "password": "neues-Passwort-2026", "passwordConfirm": "neues-Passwort-2026"}); r.Status != 200 {
		t.Fatalf("password change: %s", r)
	}
	refused("after a password change", lneumann)

	// an account removed by the room's IT
	lfischer := s.As(t, "lfischer")
	signedIn("lfischer", lfischer)
	u, err := s.App.FindRecordById("users", s.Demo.Users["lfischer"].Id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Delete(u); err != nil {
		t.Fatal(err)
	}
	refused("after the account was removed", lfischer)

	// a token past its expiry (two seconds here)
	jweber, err := s.App.FindRecordById("users", s.Demo.Users["jweber"].Id)
	if err != nil {
		t.Fatal(err)
	}
	short, err := security.NewJWT(map[string]any{
		core.TokenClaimId: jweber.Id, core.TokenClaimType: core.TokenTypeAuth,
		core.TokenClaimCollectionId: jweber.Collection().Id, core.TokenClaimRefreshable: true,
	}, jweber.TokenKey()+jweber.Collection().AuthToken.Secret, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.Client{Base: s.URL, Token: short}
	signedIn("jweber with a two-second token", c)
	testkit.Eventually(t, 10*time.Second, "the expired token is refused", func() bool { return me(c) != http.StatusOK })
}
