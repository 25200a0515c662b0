package tenancy

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
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
	accounts  *FailLimiter // typed identities (capped: anyone can type new ones)
	records   *FailLimiter // existing accounts: never left uncounted, see reserve
	addresses *FailLimiter
}

// reserve counts an attempt for key now; it refuses (false, with the wait) when key is
// already at the limit. A full table (a spray of made-up identities or addresses) lets a
// new key through uncounted unless always is set: the number of existing accounts bounds
// the records table, so such a flood cannot switch off the count of a real account.
func (l *FailLimiter) reserve(key string, always bool) (time.Time, time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key)
	if len(recent) >= l.limit {
		wait := recent[0].Add(l.window).Sub(l.now())
		if wait < time.Second {
			wait = time.Second
		}
		return time.Time{}, wait, false
	}
	if !always && recent == nil && len(l.failures) >= limiterMaxClients {
		for k := range l.failures {
			l.prune(k)
		}
		if len(l.failures) >= limiterMaxClients {
			return time.Time{}, 0, true
		}
	}
	at := l.now()
	l.failures[key] = append(recent, at)
	return at, 0, true
}

// release takes back the attempt reserved at at (the zero time: none was counted).
func (l *FailLimiter) release(key string, at time.Time) {
	if at.IsZero() || key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.failures[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = ts
	}
}

// reached reports whether key holds exactly the limit now (the guess that locked it).
func (l *FailLimiter) reached(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key)) == l.limit
}

// RegisterSignInThrottle counts failed sign-ins for window (0: SignInWindow, 15 min).
func RegisterSignInThrottle(app core.App, window time.Duration) {
	if window <= 0 {
		window = SignInWindow
	}
	st := &signInThrottle{
		accounts:  NewFailLimiter(SignInAccountLimit, window),
		records:   NewFailLimiter(SignInAccountLimit, window),
		addresses: NewFailLimiter(SignInAddressLimit, window),
	}
	app.Store().Set(signInStoreKey, st)
	// Untagged: every auth collection, including _superusers and devices. First in line
	// (low priority number), so nothing else runs for a locked account.
	app.OnRecordAuthWithPasswordRequest().Bind(&hook.Handler[*core.RecordAuthWithPasswordRequestEvent]{
		Id: "crisisroomSignInThrottle", Priority: -1000, Func: st.handle,
	})
	// A password change checks the old password: the same guess as a sign-in of that
	// account, so it counts on the same limits (a stolen session is no unlimited oracle).
	app.OnRecordUpdateRequest().Bind(&hook.Handler[*core.RecordRequestEvent]{
		Id: "crisisroomOldPasswordThrottle", Priority: -1000, Func: st.handleOldPassword,
	})
}

// handleOldPassword counts a password change of one's own account (its "oldPassword"
// checked by PocketBase) like a sign-in of that account from the client's address: 429
// while the account or address is locked, a wrong old password counted as a failure,
// the right one clearing the account's failures.
func (st *signInThrottle) handleOldPassword(e *core.RecordRequestEvent) error {
	if !e.Collection.IsAuth() || e.Auth == nil || e.Auth.Collection().Id != e.Collection.Id || e.Auth.Id != e.Record.Id || e.HasSuperuserAuth() {
		return e.Next()
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.Next()
	}
	if bodyString(info.Body["password"]) == "" && bodyString(info.Body["passwordConfirm"]) == "" {
		return e.Next() // no password change, no old password checked
	}
	idKey := e.Collection.Id + ":" + strings.ToLower(strings.TrimSpace(e.Record.Original().GetString("username")))
	at, wait, ok := st.begin(idKey, e.Collection.Id+"#"+e.Record.Id, e.RealIP())
	if !ok {
		return tooManySignIns(e.RequestEvent, wait)
	}
	err = e.Next()
	apiErr, isApi := err.(*router.ApiError)
	guess := err != nil && isApi && strings.Contains(fmt.Sprint(apiErr.Data["oldPassword"]), "validation_invalid_old_password")
	if at.finish(err == nil, guess) {
		audit.Write(e.App, audit.Entry{Action: "signin.locked", Target: e.Collection.Name,
			Data: map[string]any{"account": e.Collection.Name, "record": e.Record.Id, "ip": at.ip, "path": "old_password"}})
	}
	return err
}

func bodyString(v any) string {
	s, _ := v.(string)
	return s
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
	at, wait, ok := st.begin(identityKey(e), recordKey(e), e.RealIP())
	if !ok {
		return tooManySignIns(e.RequestEvent, wait)
	}
	err := e.Next()
	// A wrong identity or password is PocketBase's 400; other refusals (a suspended
	// organisation) come after the password matched and are not guesses.
	apiErr, isApi := err.(*router.ApiError)
	guess := err != nil && isApi && apiErr.Status == http.StatusBadRequest
	if at.finish(err == nil, guess) {
		audit.Write(e.App, audit.Entry{Action: "signin.locked", Target: e.Collection.Name,
			Data: map[string]any{"account": e.Collection.Name, "record": recordId(e.Record), "ip": at.ip}})
	}
	if guess {
		// How many tries are left before the lock, so the sign-in page can warn before the
		// last one. Counted from the typed name and the address only: the same for a name
		// that exists and one that does not (the account's own count, which also holds
		// tries by e-mail address, would tell them apart).
		if apiErr.Data == nil {
			apiErr.Data = map[string]any{}
		}
		apiErr.Data["attempts_left"] = min(st.accounts.left(at.idKey), st.addresses.left(at.ip))
	}
	return err
}

// signInAttempt is one password check in flight. Its attempt is counted before the
// password is checked (begin), so that a burst of parallel guesses cannot all pass the
// limit while the slow hash of each one runs; finish keeps the count for a wrong password
// and takes it back for a success or a refusal that was no guess.
type signInAttempt struct {
	st                *signInThrottle
	idKey, recKey, ip string
	idAt, recAt, ipAt time.Time
}

// begin reserves an attempt for the typed identity, the account it found (recKey, ""
// when none) and the client address; ok is false with the wait when any of them is at
// its limit.
func (st *signInThrottle) begin(idKey, recKey, ip string) (*signInAttempt, time.Duration, bool) {
	a := &signInAttempt{st: st, idKey: idKey, recKey: recKey, ip: ip}
	var ok bool
	var wait time.Duration
	if a.idAt, wait, ok = st.accounts.reserve(idKey, false); !ok {
		return nil, wait, false
	}
	if recKey != "" {
		if a.recAt, wait, ok = st.records.reserve(recKey, true); !ok {
			st.accounts.release(idKey, a.idAt)
			return nil, wait, false
		}
	}
	if a.ipAt, wait, ok = st.addresses.reserve(ip, false); !ok {
		st.accounts.release(idKey, a.idAt)
		st.records.release(recKey, a.recAt)
		return nil, wait, false
	}
	return a, 0, true
}

// finish ends the attempt: a success clears the account's failures, a guess stays
// counted, anything else is taken back. It reports whether this guess locked the
// account or the address (to be audited once).
func (a *signInAttempt) finish(success, guess bool) (locked bool) {
	st := a.st
	switch {
	case success:
		st.accounts.reset(a.idKey)
		if a.recKey != "" {
			st.records.reset(a.recKey)
		}
		st.addresses.release(a.ip, a.ipAt)
		return false
	case guess:
		return st.accounts.reached(a.idKey) || (a.recKey != "" && st.records.reached(a.recKey)) || st.addresses.reached(a.ip)
	default:
		st.accounts.release(a.idKey, a.idAt)
		st.records.release(a.recKey, a.recAt)
		st.addresses.release(a.ip, a.ipAt)
		return false
	}
}

// DeviceSignIn counts an MQTT CONNECT's password check of the device username from the
// client address ip against the same limits as the REST sign-in of devices (5 failures
// per device and 30 per address in the window), so that neither path is a way around the
// other. It returns false while locked; otherwise call done with whether the password
// matched. Without the throttle registered (tools, tests of parts) it always allows.
func DeviceSignIn(app core.App, username, deviceId, ip string) (done func(matched bool), allowed bool) {
	st, _ := app.Store().Get(signInStoreKey).(*signInThrottle)
	if st == nil {
		return func(bool) {}, true
	}
	coll, err := app.FindCachedCollectionByNameOrId("devices")
	if err != nil {
		return func(bool) {}, true
	}
	recKey := ""
	if deviceId != "" {
		recKey = coll.Id + "#" + deviceId
	}
	a, _, ok := st.begin(coll.Id+":"+strings.ToLower(strings.TrimSpace(username)), recKey, ip)
	if !ok {
		return nil, false
	}
	return func(matched bool) {
		if a.finish(matched, !matched) {
			audit.Write(app, audit.Entry{Action: "signin.locked", Target: "devices",
				Data: map[string]any{"account": "devices", "record": deviceId, "ip": ip, "path": "mqtt"}})
		}
	}, true
}

const signInStoreKey = "crisisroom.signInThrottle"

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
	return apperr.TooManyRequests("tenancy.too_many_failed_sign_ins", mins,
		apperr.Text{DE: plural(mins, "Minute", "Minuten"), EN: plural(mins, "minute", "minutes")})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// left is how many failures key may still have in the window before it is locked (0:
// locked).
func (l *FailLimiter) left(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(0, l.limit-len(l.prune(key)))
}

// reset forgets the failures of key (a successful sign-in).
func (l *FailLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
