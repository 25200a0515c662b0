package enrolment

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
)

// An invitation token is 128 random bits, written base64url without padding (22
// characters, nothing a URL or a QR code has to escape). The database keeps only its
// SHA-256: a stolen backup invites nobody.

const tokenBytes = 16

var errBadToken = errors.New("malformed invitation token")

func newInvitationToken() string {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness is gone: nothing is safe any more
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashInvitationToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// FormatJoinLink is the link an invitation's QR code holds:
// <base>/join#<token>&fp=<first 16 hex digits of the CA fingerprint>. Both travel in the
// fragment, which browsers never send to a server or write to its logs.
func FormatJoinLink(base, token, fp string) string {
	link := strings.TrimRight(base, "/") + "/join#" + token
	if fp != "" {
		link += "&fp=" + fp
	}
	return link
}

// ParseJoinLink takes what a person may paste or a scanner may deliver (the whole link,
// its fragment, or the bare token) and returns the token and the fingerprint hint.
func ParseJoinLink(s string) (token, fp string, err error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	} else if strings.Contains(s, "://") {
		return "", "", errBadToken // a link without its fragment carries no token
	}
	for i, part := range strings.Split(s, "&") {
		k, v, hasEq := strings.Cut(part, "=")
		switch {
		case i == 0 && !hasEq:
			token = part
		case hasEq && (k == "t" || k == "token") && token == "":
			token = v
		case hasEq && k == "fp":
			if u, uerr := url.QueryUnescape(v); uerr == nil {
				fp = u
			}
		}
	}
	if !validToken(token) {
		return "", "", errBadToken
	}
	fp = strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	if len(fp) > 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		fp = ""
	}
	return token, fp, nil
}

func validToken(t string) bool {
	if len(t) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(t)
	return err == nil && len(b) == tokenBytes
}
