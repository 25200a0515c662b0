package hooks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Sign-in throttling. Every auth collection (users, devices, _superusers) signs in with
// a password at /api/collections/{name}/auth-with-password. Failures are counted per
// account and per client address over a sliding window; past the limit the request is
// answered 429 with Retry-After (RFC 9110 §10.2.3) before the password is even looked
// at, so a locked account cannot be guessed at all, and the right password waits too.
//
// PocketBase's own rate limiter (Settings().RateLimits) is not used for this: it counts
// every request per address (successes included), knows no account, is off by default
// and can be switched off by any superuser in the admin UI. Here the counter is the
// account, which is what a guesser spreading over addresses still has to hit.
const (
	// SignInAccountLimit failures for one account within the window lock that account.
	SignInAccountLimit = 5
	// SignInAddressLimit failures from one client address within the window lock the
	// address for every account (a spray over many user names).
	SignInAddressLimit = 30
	// SignInWindow is the default window (Config.SignInWindow overrides it).
	SignInWindow = 15 * time.Minute
)

type signInThrottle struct {
	accounts  *failLimiter // typed identities (capped: anyone can type new ones)
	records   *failLimiter // existing accounts: never left uncounted, see countAlways
	addresses *failLimiter
}

// countAlways makes l count every key: the number of existing accounts bounds the table,
// so a flood of made-up identities that fills the capped tables cannot switch off the
// count of a real account.
func countAlways(l *failLimiter, key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := append(l.prune(key), l.now())
	l.failures[key] = recent
	return len(recent) == l.limit
}

func registerSignInThrottle(app core.App, cfg *Config) {
	window := SignInWindow
	if cfg != nil && cfg.SignInWindow > 0 {
		window = cfg.SignInWindow
	}
	st := &signInThrottle{
		accounts:  newFailLimiter(SignInAccountLimit, window),
		records:   newFailLimiter(SignInAccountLimit, window),
		addresses: newFailLimiter(SignInAddressLimit, window),
	}
	// Untagged: every auth collection, including _superusers and devices. First in line
	// (low priority number), so nothing else runs for a locked account.
	app.OnRecordAuthWithPasswordRequest().Bind(&hook.Handler[*core.RecordAuthWithPasswordRequestEvent]{
		Id: "crisisroomSignInThrottle", Priority: -1000, Func: st.handle,
	})
}

// identityKey is the case-folded identity as typed (so guessing names that do not exist
// costs the same, and "LNeumann" is "lneumann"); recordKey is the account the identity
// found, if any (so user name and e-mail count together).
func identityKey(e *core.RecordAuthWithPasswordRequestEvent) string {
	return e.Collection.Id + ":" + strings.ToLower(strings.TrimSpace(e.Identity))
}

func recordKey(e *core.RecordAuthWithPasswordRequestEvent) string {
	if e.Record == nil {
		return ""
	}
	return e.Collection.Id + "#" + e.Record.Id
}

func (st *signInThrottle) handle(e *core.RecordAuthWithPasswordRequestEvent) error {
	idKey, recKey, ip := identityKey(e), recordKey(e), e.RealIP()
	if locked, wait := st.accounts.blocked(idKey); locked {
		return tooManySignIns(e.RequestEvent, wait)
	}
	if recKey != "" {
		if locked, wait := st.records.blocked(recKey); locked {
			return tooManySignIns(e.RequestEvent, wait)
		}
	}
	if locked, wait := st.addresses.blocked(ip); locked {
		return tooManySignIns(e.RequestEvent, wait)
	}
	err := e.Next()
	if err == nil {
		st.accounts.reset(idKey)
		if recKey != "" {
			st.records.reset(recKey)
		}
		return nil
	}
	// A wrong identity or password is PocketBase's 400; other refusals (a suspended
	// organisation) come after the password matched and are not guesses.
	if apiErr, ok := err.(*router.ApiError); ok && apiErr.Status == http.StatusBadRequest {
		accountReached := st.accounts.fail(idKey)
		if recKey != "" {
			accountReached = countAlways(st.records, recKey) || accountReached
		}
		addressReached := st.addresses.fail(ip)
		if accountReached || addressReached {
			Audit(e.App, AuditEntry{Action: "signin.locked", Target: e.Collection.Name,
				Data: map[string]any{"account": e.Collection.Name, "record": recordId(e.Record), "ip": ip, "by_address": addressReached && !accountReached}})
		}
	}
	return err
}

func recordId(r *core.Record) string {
	if r == nil {
		return ""
	}
	return r.Id
}

// tooManySignIns is the 429 answer: Retry-After in whole seconds, and a message in
// German first with the wait in whole minutes (at least 1).
func tooManySignIns(e *core.RequestEvent, wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	mins := (secs + 59) / 60
	if mins < 1 {
		mins = 1
	}
	e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
	return router.NewApiError(http.StatusTooManyRequests, fmt.Sprintf(
		"Zu viele Fehlversuche. Bitte in %d %s erneut versuchen. / Too many failed attempts. Please try again in %d %s.",
		mins, plural(mins, "Minute", "Minuten"), mins, plural(mins, "minute", "minutes")), nil)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reset forgets the failures of key (a successful sign-in).
func (l *failLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
