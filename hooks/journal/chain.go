// Package journal keeps the Einsatztagebuch (ETB): one chronological, gapless,
// hash-chained journal per operation (incident) and organisation, written automatically
// in the transaction of each event that belongs in it (Blitz and Sofort messages, faxes,
// sirens, situation items, organisations joining or leaving, the keeper changing) and by
// hand by the ETB keeper and S2. Nothing is ever changed or removed: a correction is a new
// entry that refers to the old one (THW handbook ETB/TBB 2022; FwDV 100 annex 5; Saxony's
// RL Führung-KatS 5.4.2.2).
//
// Tamper evidence: every entry carries the SHA-256 (FIPS 180-4) of its canonical encoding
// (Canonical), which includes the previous entry's hash; chain heads are signed with the
// appliance's Ed25519 key (RFC 8032) at closing and every hour, so an export can be checked
// elsewhere with the public key alone.
package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Genesis is the prev_hash of an entry with seq 1: 64 zeros.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Attachment names a file that belongs to an entry and its SHA-256 (hex).
type Attachment struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Canonical is what an entry's hash covers, in this field order, encoded with
// encoding/json (UTF-8, no insignificant white space, HTML characters escaped as
// encoding/json does). Times are PocketBase's stored form "2006-01-02 15:04:05.000Z"
// (UTC, milliseconds). Readers is the space-separated list of organisation ids that
// may read a shared-channel entry of the host's journal. V is the format version (1).
type Canonical struct {
	V              int          `json:"v"`
	Incident       string       `json:"incident"`
	Organisation   string       `json:"organisation"`
	Seq            int          `json:"seq"`
	RecordedAt     string       `json:"recorded_at"`
	OccurredAt     string       `json:"occurred_at"`
	Kind           string       `json:"kind"`
	Source         string       `json:"source"`
	SourceID       string       `json:"source_id"`
	Author         string       `json:"author"`
	AuthorName     string       `json:"author_name"`
	AuthorOrg      string       `json:"author_org"`
	AuthorFunction string       `json:"author_function"`
	Text           string       `json:"text"`
	Mark           string       `json:"mark"`
	Attachments    []Attachment `json:"attachments"`
	Corrects       string       `json:"corrects"`
	Channel        string       `json:"channel"`
	Shared         bool         `json:"shared"`
	Readers        string       `json:"readers"`
	ClockBack      bool         `json:"clock_back"`
	PrevHash       string       `json:"prev_hash"`
}

// Sealed is an entry as exported: its canonical fields, its record id and its hash.
type Sealed struct {
	Canonical
	ID   string `json:"id"`
	Hash string `json:"hash"`
}

// Hash returns the hex SHA-256 of c's canonical encoding.
func (c Canonical) Hash() string {
	if c.Attachments == nil {
		c.Attachments = []Attachment{}
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Break names the first entry at which a chain does not hold.
type Break struct {
	Seq    int    // the seq expected or found there
	Reason string // German / English
}

func (b *Break) Error() string {
	return fmt.Sprintf("Eintrag Nr. %d: %s", b.Seq, b.Reason)
}

// VerifyChain walks entries in the given order (a journal's entries by seq) and returns
// the first break, or nil when every entry has the next seq from 1, names its
// predecessor's hash and matches its own. A missing entry is reported at the seq that is
// missing; a changed one at its own seq.
func VerifyChain(entries []Sealed) *Break {
	prev := Genesis
	for i, e := range entries {
		want := i + 1
		switch {
		case e.Seq != want && e.Seq > want:
			return &Break{want, fmt.Sprintf("fehlt (gefunden: Nr. %d) / missing (found no. %d)", e.Seq, e.Seq)}
		case e.Seq != want:
			return &Break{want, fmt.Sprintf("Reihenfolge gestört (gefunden: Nr. %d) / out of order (found no. %d)", e.Seq, e.Seq)}
		case e.PrevHash != prev:
			return &Break{want, "Verweis auf den Vorgänger stimmt nicht / previous hash does not match"}
		case e.Canonical.Hash() != e.Hash:
			return &Break{want, "Inhalt verändert (Hash stimmt nicht) / content changed (hash does not match)"}
		}
		prev = e.Hash
	}
	return nil
}
