package enrolment

import (
	"strings"
	"testing"
)

func TestParseJoinLink(t *testing.T) {
	tok := newInvitationToken()
	link := FormatJoinLink("https://192.168.1.20:8443/", tok, "0123456789abcdef")
	if link != "https://192.168.1.20:8443/join#"+tok+"&fp=0123456789abcdef" {
		t.Fatalf("link %q", link)
	}
	for _, in := range []string{link, "  " + link + "\n", "#" + tok + "&fp=0123456789abcdef", tok + "&fp=0123456789ABCDEF", "t=" + tok + "&fp=01:23:45:67:89:ab:cd:ef"} {
		got, fp, err := ParseJoinLink(in)
		if err != nil || got != tok || fp != "0123456789abcdef" {
			t.Errorf("%q → %q %q %v", in, got, fp, err)
		}
	}
	for _, in := range []string{"", "https://x/join", "https://x/join#", tok[:21], tok + "A", "#" + strings.Repeat("!", 22), "fp=00&" + tok + "x"} {
		if got, _, err := ParseJoinLink(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
	if _, fp, _ := ParseJoinLink(tok + "&fp=<script>"); fp != "" {
		t.Errorf("bad fingerprint kept: %q", fp)
	}
}

// FuzzParseJoinLink: whatever arrives, the parser does not panic, and what it accepts is
// a well-formed token that survives a round trip through a link.
func FuzzParseJoinLink(f *testing.F) {
	tok := newInvitationToken()
	f.Add(FormatJoinLink("https://crisisroom.local:8443", tok, "0123456789abcdef"))
	f.Add("#" + tok)
	f.Add(tok + "&fp=")
	f.Add("t=" + tok + "&fp=%3A%3A")
	f.Add("https://a/join#&&&=")
	f.Add("\x00#\xff")
	f.Fuzz(func(t *testing.T, s string) {
		token, fp, err := ParseJoinLink(s)
		if err != nil {
			return
		}
		if !validToken(token) {
			t.Fatalf("accepted malformed token %q", token)
		}
		if strings.Trim(fp, "0123456789abcdef") != "" {
			t.Fatalf("fingerprint %q is not hex", fp)
		}
		t2, fp2, err := ParseJoinLink(FormatJoinLink("https://h", token, fp))
		if err != nil || t2 != token || fp2 != fp {
			t.Fatalf("round trip of %q/%q: %q %q %v", token, fp, t2, fp2, err)
		}
	})
}
