package backup

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Commands returns `crisisroom backup DEST` and `crisisroom restore ARCHIVE [--force]`.
func Commands(app core.App) []*cobra.Command {
	backupCmd := &cobra.Command{
		Use:   "backup DEST",
		Short: "Sichert Datenbanken und Dateien im laufenden Betrieb in ein geprüftes Archiv / online backup into a verified archive",
		Long: "Schreibt ein tar-Archiv mit data.db, auxiliary.db (Schnappschüsse per VACUUM INTO), den hochgeladenen Dateien und einem Manifest mit SHA-256-Summen. " +
			"Die Anlage darf dabei laufen und weiter schreiben. DEST ist ein Ordner (das Archiv bekommt einen Namen mit Datum) oder der Pfad des Archivs.\n\n" +
			"Writes a tar archive with data.db, auxiliary.db (VACUUM INTO snapshots), the uploaded files and a manifest of SHA-256 sums while the appliance keeps running. " +
			"DEST is a folder (the archive gets a dated name) or the archive's path.",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			res, err := Create(app, args[0], terminalProgress(out, "Sicherung / backup"))
			RecordOutcome(app, res, err)
			if err != nil {
				return fmt.Errorf("Sicherung fehlgeschlagen / backup failed: %w", err)
			}
			fmt.Fprintf(out, "\nSicherung fertig / backup done: %s\n  %s, %d Dateien / files, %d Nachrichten / messages, %.1f s\n",
				res.Path, human(res.Size), res.Files, res.Messages, res.Took.Seconds())
			return nil
		},
	}
	force := false
	restoreCmd := &cobra.Command{
		Use:   "restore ARCHIVE",
		Short: "Stellt ein Archiv von `crisisroom backup` im Datenordner wieder her (erst nach Prüfung) / restores a backup archive after verifying it",
		Long: "Prüft jede Datei des Archivs gegen das Manifest (SHA-256) und stellt erst dann data.db, auxiliary.db und die Dateien im Datenordner (--dir) her. " +
			"Ein beschädigtes Archiv wird abgelehnt, der Datenordner bleibt dann unverändert. Die Anlage darf dabei nicht laufen.\n\n" +
			"Checks every file of the archive against its manifest (SHA-256) and only then restores into the data folder (--dir). " +
			"A damaged archive is refused and the data folder left as it was. The appliance must not be running.",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			dir := app.DataDir()
			// This command's start opened the databases; close them before files are replaced.
			if err := app.ResetBootstrapState(); err != nil {
				return err
			}
			if err := checkNotInUse(dir); err != nil {
				return err
			}
			m, aside, err := Restore(args[0], dir, force, terminalProgress(out, "Wiederherstellung / restore"))
			if err != nil {
				var d *DamagedError
				if errors.As(err, &d) {
					return err
				}
				return fmt.Errorf("Wiederherstellung fehlgeschlagen / restore failed: %w", err)
			}
			fmt.Fprintf(out, "\nWiederhergestellt / restored: %s → %s\n  Stand / as of %s, %d Dateien / files, %d Nachrichten / messages\n",
				args[0], dir, m.Snapshot.Local().Format("02.01.2006 15:04:05"), len(m.Files), m.Messages)
			if aside != "" {
				fmt.Fprintf(out, "  Die bisherigen Daten liegen in / the previous data is in %s\n", aside)
			}
			return nil
		},
	}
	restoreCmd.Flags().BoolVar(&force, "force", false, "vorhandene Daten beiseitelegen und ersetzen / move existing data aside and replace it")
	return []*cobra.Command{backupCmd, restoreCmd}
}

// checkNotInUse refuses a restore while an appliance has dir's data.db open: an exclusive
// transaction cannot begin while another process holds the database in WAL mode.
func checkNotInUse(dir string) error {
	p := filepath.Join(dir, "data.db")
	if _, err := os.Stat(p); err != nil {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+p+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("BEGIN EXCLUSIVE; COMMIT"); err != nil {
		return fmt.Errorf("Die Anlage läuft noch auf %s; erst beenden, dann wiederherstellen. / The appliance is still running on %s; stop it first. (%v)", dir, dir, err)
	}
	return nil
}

// terminalProgress prints the phase changes and, at most once a second, how far a backup or
// restore has come.
func terminalProgress(w io.Writer, what string) func(Progress) {
	var last time.Time
	phase := ""
	return func(p Progress) {
		if p.Phase == phase && time.Since(last) < time.Second && p.Done != p.Total {
			return
		}
		last = time.Now()
		phase = p.Phase
		switch p.Phase {
		case "snapshot":
			fmt.Fprintf(w, "%s: Datenbank-Schnappschuss / database snapshot …\n", what)
		case "verify":
			fmt.Fprintf(w, "%s: Prüfung gegen das Manifest / verifying against the manifest …\n", what)
		case "files":
			pct := 100.0
			if p.Total > 0 {
				pct = 100 * float64(p.Done) / float64(p.Total)
			}
			fmt.Fprintf(w, "%s: %d/%d Dateien / files, %s von / of %s (%.0f %%)\n", what, p.Files, p.FilesTotal, human(p.Done), human(p.Total), pct)
		}
	}
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
