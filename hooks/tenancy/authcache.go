package tenancy

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"
)

// Signed-in requests carry a token that PocketBase checks by loading the account from the
// database on every request (FindAuthRecordByToken): 7 % of the appliance's CPU under a
// stream of messages. The auth cache keeps, per token, the account it was verified for,
// until the token expires, the account changes (a new token key after a password change or
// "sign out everywhere", a deletion, any other save) or a collection changes. A hit hands
// the request a copy of the account, as PocketBase's own middleware would have set it;
// PocketBase's middleware then sees the request signed in and does nothing.
//
// The cache never decides anything PocketBase would not: entries are made only from
// FindAuthRecordByToken's answer, and every save of an auth record through the app
// (hooks run for every save, also Go-side ones) removes that account's entries at once.
// authCacheTTL bounds how long an entry lives regardless, for a change made beside the app
// (a restored backup is a restart).
const (
	authCacheTTL     = time.Minute
	authCacheEntries = 20000 // then it starts over: a room has a few hundred people
)

type authEntry struct {
	record  *core.Record
	expires time.Time // the token's exp, or the TTL, whichever is first
}

type authCache struct {
	mu     sync.Mutex
	tokens map[string]authEntry
	byId   map[string][]string // record id → its cached tokens
	// gen counts forgets and clears: an account read before one of them may be stale
	// (a sign-out everywhere that committed while it was read) and is not kept.
	gen uint64
}

// RegisterAuthCache binds the cache in front of PocketBase's auth token middleware and the
// hooks that empty it.
func RegisterAuthCache(app core.App) {
	c := &authCache{tokens: map[string]authEntry{}, byId: map[string][]string{}}
	forget := func(e *core.RecordEvent) error {
		if e.Record.Collection().IsAuth() {
			c.forget(e.Record.Id)
		}
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess().BindFunc(forget)
	app.OnRecordAfterDeleteSuccess().BindFunc(forget)
	// An update that fails after its hooks changed the record in memory changes nothing
	// stored; forgetting then too costs one database read.
	app.OnRecordAfterUpdateError().BindFunc(func(e *core.RecordErrorEvent) error {
		if e.Record.Collection().IsAuth() {
			c.forget(e.Record.Id)
		}
		return e.Next()
	})
	clearAll := func(e *core.CollectionEvent) error {
		c.clear()
		return e.Next()
	}
	app.OnCollectionAfterUpdateSuccess().BindFunc(clearAll)
	app.OnCollectionAfterDeleteSuccess().BindFunc(clearAll)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "crisisroomAuthCache",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1,
			Func: func(e *core.RequestEvent) error {
				if e.Auth == nil {
					if token := requestToken(e); token != "" {
						e.Auth = c.load(e.App, token)
					}
				}
				return e.Next()
			},
		})
		return se.Next()
	})
}

// requestToken is the token as PocketBase's middleware reads it (Authorization header,
// optionally with the "Bearer " prefix).
func requestToken(e *core.RequestEvent) string {
	token := e.Request.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}

// load returns a copy of the account token was issued for, or nil when the token is not
// a valid auth token (then PocketBase's middleware tries and fails the same way).
func (c *authCache) load(app core.App, token string) *core.Record {
	now := time.Now()
	c.mu.Lock()
	entry, ok := c.tokens[token]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(entry.expires) {
		return entry.record.Clone()
	}
	record, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
	if err != nil || record == nil {
		return nil
	}
	expires := now.Add(authCacheTTL)
	if claims, err := security.ParseUnverifiedJWT(token); err == nil {
		if exp, ok := claims["exp"].(float64); ok {
			if t := time.Unix(int64(exp), 0); t.Before(expires) {
				expires = t
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return record // usable for this request, as PocketBase's answer; not kept
	}
	if len(c.tokens) >= authCacheEntries {
		clear(c.tokens)
		clear(c.byId)
	}
	c.tokens[token] = authEntry{record: record.Clone(), expires: expires}
	c.byId[record.Id] = append(c.byId[record.Id], token)
	return record
}

func (c *authCache) forget(id string) {
	c.mu.Lock()
	c.gen++
	for _, t := range c.byId[id] {
		delete(c.tokens, t)
	}
	delete(c.byId, id)
	c.mu.Unlock()
}

func (c *authCache) clear() {
	c.mu.Lock()
	c.gen++
	clear(c.tokens)
	clear(c.byId)
	c.mu.Unlock()
}
