package journal

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Result is the outcome of verifying one journal.
type Result struct {
	Incident, IncidentName string
	Organisation, OrgShort string
	Entries                int
	Head                   string
	Signed                 int    // signed heads that verified
	Break                  *Break // nil: the chain holds
}

// VerifyHeads checks signed heads against the entries: each signature with pub (when
// given) and each head's hash against the entry it names. An entry a signed head names
// that is gone (the end of the journal cut off) is a break at that seq.
func VerifyHeads(entries []Sealed, hs []SignedHead, pub ed25519.PublicKey) (int, *Break) {
	ok := 0
	for _, h := range hs {
		if pub != nil && !h.Check(pub) {
			return ok, &Break{h.Seq, "Signatur des Kettenkopfs ungültig / signature of the chain head does not verify"}
		}
		if h.Seq < 1 || h.Seq > len(entries) {
			return ok, &Break{h.Seq, "signierter Kettenkopf fehlt (Tagebuch gekürzt) / signed head missing (journal cut short)"}
		}
		if entries[h.Seq-1].Hash != h.Hash {
			return ok, &Break{h.Seq, "weicht vom signierten Kettenkopf ab / differs from the signed head"}
		}
		ok++
	}
	return ok, nil
}

// VerifyDB verifies every journal in the database, or those of incident and the
// organisation with short name (or id) org when given. Signed heads are checked with
// pub, or with the appliance's own public key (PubFile in the data directory) when pub
// is nil.
func VerifyDB(app core.App, incident, org string, pub ed25519.PublicKey) ([]Result, error) {
	type pair struct {
		Incident     string `db:"incident"`
		Organisation string `db:"organisation"`
	}
	var pairs []pair
	q := `SELECT DISTINCT incident, organisation FROM journal_entries WHERE 1=1`
	params := dbx.Params{}
	if incident != "" {
		q += ` AND incident = {:i}`
		params["i"] = incident
	}
	if org != "" {
		o, err := app.FindFirstRecordByFilter("organisations", "short = {:s} || id = {:s}", dbx.Params{"s": org})
		if err != nil {
			return nil, fmt.Errorf("Organisation %q nicht gefunden / organisation %q not found", org, org)
		}
		q += ` AND organisation = {:o}`
		params["o"] = o.Id
	}
	if err := app.DB().NewQuery(q + ` ORDER BY incident, organisation`).Bind(params).All(&pairs); err != nil {
		return nil, err
	}
	if pub == nil {
		if b, err := os.ReadFile(app.DataDir() + "/" + PubFile); err == nil {
			pub, _ = hex.DecodeString(strings.TrimSpace(string(b)))
		}
	}
	var out []Result
	for _, p := range pairs {
		entries, err := Entries(app, p.Incident, p.Organisation)
		if err != nil {
			return nil, err
		}
		r := Result{Incident: p.Incident, Organisation: p.Organisation, Entries: len(entries)}
		if inc, err := app.FindRecordById("incidents", p.Incident); err == nil {
			r.IncidentName = inc.GetString("name")
		}
		if o, err := app.FindRecordById("organisations", p.Organisation); err == nil {
			r.OrgShort = o.GetString("short")
		}
		r.Break = VerifyChain(entries)
		if r.Break == nil {
			r.Signed, r.Break = VerifyHeads(entries, heads(app, p.Incident, p.Organisation), pub)
		}
		if len(entries) > 0 {
			r.Head = entries[len(entries)-1].Hash
		}
		out = append(out, r)
	}
	return out, nil
}

// VerifyFile verifies a JSON export; pub (may be nil) checks the signed heads with a key
// obtained some other way, otherwise the key in the file is used.
func VerifyFile(path string, pub ed25519.PublicKey) (Result, error) {
	x, err := ReadExport(path)
	if err != nil {
		return Result{}, err
	}
	r := Result{Incident: x.Incident.ID, IncidentName: x.Incident.Name, Organisation: x.Organisation.ID, OrgShort: x.Organisation.Short, Entries: len(x.Entries)}
	if pub == nil && x.PublicKey != "" {
		pub, _ = hex.DecodeString(x.PublicKey)
	}
	for _, e := range x.Entries {
		if e.Incident != x.Incident.ID || e.Organisation != x.Organisation.ID {
			r.Break = &Break{e.Seq, "gehört zu einem anderen Tagebuch / belongs to another journal"}
			return r, nil
		}
	}
	r.Break = VerifyChain(x.Entries)
	if r.Break == nil {
		r.Signed, r.Break = VerifyHeads(x.Entries, x.Heads, pub)
	}
	if len(x.Entries) > 0 {
		r.Head = x.Entries[len(x.Entries)-1].Hash
	}
	return r, nil
}

func printResult(w io.Writer, r Result) {
	name := r.IncidentName
	if name == "" {
		name = r.Incident
	}
	org := r.OrgShort
	if org == "" {
		org = r.Organisation
	}
	if r.Break != nil {
		fmt.Fprintf(w, "ETB %s / %s: GEBROCHEN bei Eintrag Nr. %d: %s\n", name, org, r.Break.Seq, r.Break.Reason)
		fmt.Fprintf(w, "  broken at seq %d\n", r.Break.Seq)
		return
	}
	fmt.Fprintf(w, "ETB %s / %s: %d Einträge, Kette in Ordnung / chain holds; %d signierte Köpfe / signed heads; Kopf / head %s\n", name, org, r.Entries, r.Signed, r.Head)
}

// ErrBroken is returned by the verify command when a chain does not hold.
var ErrBroken = errors.New("Einsatztagebuch: Kette gebrochen / journal chain broken")

// Exit ends the process with a non-zero code when verify finds a broken chain
// (PocketBase's Execute swallows a subcommand's error); tests replace it.
var Exit = os.Exit

// Command is `crisisroom etb`: `etb verify [--incident ID] [--org SHORT] [FILE]` walks
// the chains in the database (or the JSON export FILE) and names the first broken entry
// of each; `etb pubkey` prints the appliance's public key for checking exports elsewhere.
func Command(app core.App) *cobra.Command {
	etb := &cobra.Command{Use: "etb", Short: "Einsatztagebuch: verify chains, print the signing key / Einsatztagebuch prüfen"}
	var incident, org, pubHex string
	verify := &cobra.Command{
		Use:          "verify [FILE]",
		Short:        "Verifies journal chains in the database or in an export / Prüft die Kette",
		Args:         cobra.MaximumNArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			var pub ed25519.PublicKey
			if pubHex != "" {
				s := pubHex
				if b, err := os.ReadFile(pubHex); err == nil {
					s = string(b)
				}
				k, err := hex.DecodeString(strings.TrimSpace(s))
				if err != nil || len(k) != ed25519.PublicKeySize {
					return fmt.Errorf("--pubkey: not a hex Ed25519 public key (or a file holding one)")
				}
				pub = k
			}
			out := c.OutOrStdout()
			if len(args) == 1 {
				r, err := VerifyFile(args[0], pub)
				if err != nil {
					return err
				}
				printResult(out, r)
				if r.Break != nil {
					Exit(1)
					return ErrBroken
				}
				return nil
			}
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			rs, err := VerifyDB(app, incident, org, pub)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				fmt.Fprintln(out, "Keine Einsatztagebücher gefunden. / No journals found.")
			}
			broken := false
			for _, r := range rs {
				printResult(out, r)
				broken = broken || r.Break != nil
			}
			if broken {
				Exit(1)
				return ErrBroken
			}
			return nil
		},
	}
	verify.Flags().StringVar(&incident, "incident", "", "only the journals of this operation (id)")
	verify.Flags().StringVar(&org, "org", "", "only the journal of this organisation (short name or id)")
	verify.Flags().StringVar(&pubHex, "pubkey", "", "check signed heads with this public key (hex, or a file holding it)")
	pubkey := &cobra.Command{
		Use:   "pubkey",
		Short: "Prints the appliance's public ETB signing key (hex) / Öffentlicher Schlüssel",
		RunE: func(c *cobra.Command, _ []string) error {
			priv, err := SigningKey(app.DataDir())
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), hex.EncodeToString(priv.Public().(ed25519.PublicKey)))
			return nil
		},
	}
	etb.AddCommand(verify, pubkey)
	return etb
}
