package journal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// KeyFile and PubFile are the appliance's ETB signing key (hex of the 32-byte Ed25519
// seed, mode 0600) and its public key (hex, 32 bytes) in the data directory.
const (
	KeyFile = "etb_ed25519.key"
	PubFile = "etb_ed25519.pub"
)

var keyMu sync.Mutex

// SigningKey loads the appliance's Ed25519 key from dataDir, creating it on first use.
func SigningKey(dataDir string) (ed25519.PrivateKey, error) {
	keyMu.Lock()
	defer keyMu.Unlock()
	path := filepath.Join(dataDir, KeyFile)
	if b, err := os.ReadFile(path); err == nil {
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s: not a hex Ed25519 seed", path)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		return nil, err
	}
	pub := priv.Public().(ed25519.PublicKey)
	if err := os.WriteFile(filepath.Join(dataDir, PubFile), []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return nil, err
	}
	return priv, nil
}

// HeadMessage is the byte string a chain head's signature covers: the format, incident,
// organisation, seq, hash and the appliance's clock at signing, one per line.
func HeadMessage(incident, org string, seq int, hash, signedAt string) []byte {
	return []byte(fmt.Sprintf("crisisroom-etb-head/1\n%s\n%s\n%d\n%s\n%s\n", incident, org, seq, hash, signedAt))
}

// SignedHead is a journal head signed by the appliance.
type SignedHead struct {
	Incident     string `json:"incident"`
	Organisation string `json:"organisation"`
	Seq          int    `json:"seq"`
	Hash         string `json:"hash"`
	SignedAt     string `json:"signed_at"` // the appliance's clock, "2006-01-02 15:04:05.000Z"
	Reason       string `json:"reason"`    // close, hourly
	PublicKey    string `json:"public_key"`
	Signature    string `json:"signature"` // base64 (standard) Ed25519 signature of HeadMessage
}

// Check verifies the signature with pub.
func (h SignedHead) Check(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	if err != nil {
		return false
	}
	return ed25519.Verify(pub, HeadMessage(h.Incident, h.Organisation, h.Seq, h.Hash, h.SignedAt), sig)
}

// signHead signs a journal's current head in app's transaction and stores it in
// journal_heads. An empty journal is not signed.
func signHead(app core.App, dataDir, incident, org, reason string) (*SignedHead, error) {
	last, err := lastOf(app, incident, org)
	if err != nil || last.Seq == 0 {
		return nil, err
	}
	priv, err := SigningKey(dataDir)
	if err != nil {
		return nil, err
	}
	now := types.NowDateTime().String()
	h := SignedHead{Incident: incident, Organisation: org, Seq: last.Seq, Hash: last.Hash, SignedAt: now, Reason: reason,
		PublicKey: hex.EncodeToString(priv.Public().(ed25519.PublicKey))}
	h.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, HeadMessage(incident, org, h.Seq, h.Hash, now)))
	coll, err := app.FindCachedCollectionByNameOrId("journal_heads")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("incident", incident)
	r.Set("organisation", org)
	r.Set("seq", h.Seq)
	r.Set("hash", h.Hash)
	r.Set("signed_at", now)
	r.Set("reason", reason)
	r.Set("public_key", h.PublicKey)
	r.Set("signature", h.Signature)
	return &h, app.Save(r)
}

// journalsOf lists the organisations with a journal in incident.
func journalsOf(app core.App, incident string) ([]string, error) {
	var orgs []string
	err := app.DB().NewQuery(`SELECT DISTINCT organisation FROM journal_entries WHERE incident = {:i} ORDER BY organisation`).
		Bind(dbx.Params{"i": incident}).Column(&orgs)
	return orgs, err
}

// signChanged signs the head of every journal of the open incident that grew since its
// last signature (the hourly signature).
func signChanged(app core.App, dataDir string) error {
	inc := OpenIncident(app)
	if inc == nil {
		return nil
	}
	orgs, err := journalsOf(app, inc.Id)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		err := app.RunInTransaction(func(tx core.App) error {
			last, err := lastOf(tx, inc.Id, org)
			if err != nil {
				return err
			}
			var signed int
			_ = tx.DB().NewQuery(`SELECT COALESCE(MAX(seq), 0) FROM journal_heads WHERE incident = {:i} AND organisation = {:o}`).
				Bind(dbx.Params{"i": inc.Id, "o": org}).Row(&signed)
			if last.Seq == signed {
				return nil
			}
			_, err = signHead(tx, dataDir, inc.Id, org, "hourly")
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// heads lists a journal's signed heads in order.
func heads(app core.App, incident, org string) []SignedHead {
	recs, err := app.FindRecordsByFilter("journal_heads", "incident = {:i} && organisation = {:o}", "seq,signed_at", 0, 0, dbx.Params{"i": incident, "o": org})
	if err != nil {
		return nil
	}
	out := make([]SignedHead, 0, len(recs))
	for _, r := range recs {
		out = append(out, SignedHead{Incident: incident, Organisation: org, Seq: r.GetInt("seq"), Hash: r.GetString("hash"),
			SignedAt: r.GetDateTime("signed_at").String(), Reason: r.GetString("reason"), PublicKey: r.GetString("public_key"), Signature: r.GetString("signature")})
	}
	return out
}

// signEveryHour runs signChanged every interval until stop is closed.
func signEveryHour(app core.App, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := signChanged(app, app.DataDir()); err != nil {
				app.Logger().Error("ETB heads not signed", "error", err)
			}
		}
	}
}

// SignHeads signs now the head of every journal of the open operation (reason: "hourly",
// "close", …), in app's transaction.
func SignHeads(app core.App, reason string) error {
	inc := OpenIncident(app)
	if inc == nil {
		return nil
	}
	orgs, err := journalsOf(app, inc.Id)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		if _, err := signHead(app, app.DataDir(), inc.Id, org, reason); err != nil {
			return err
		}
	}
	return nil
}
