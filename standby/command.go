package standby

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/benbjohnson/litestream"
	lsfile "github.com/benbjohnson/litestream/file"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
	"github.com/superfly/ltx"

	"crisisroom/backup"
)

// Command returns `crisisroom standby`:
//
//	crisisroom standby replicate FOLDER   on the primary: stream to FOLDER (the running
//	                                      appliance starts within 10 s); --off stops it
//	crisisroom standby follow FOLDER      on the standby: restore from FOLDER into --dir and
//	                                      keep following it; --once: restore the latest state
//	                                      and exit (the failover step before `serve`)
func Command(app core.App) *cobra.Command {
	root := &cobra.Command{
		Use:   "standby",
		Short: "Bereitschaftsgerät per Litestream: Replikation einrichten oder ihr folgen / warm standby by Litestream",
	}
	off := false
	root.AddCommand(&cobra.Command{
		Use:          "replicate FOLDER",
		Short:        "Auf dem Hauptgerät: data.db und Dateien laufend nach FOLDER replizieren / on the primary: replicate to FOLDER",
		Args:         cobra.MaximumNArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			s := Settings{}
			if !off {
				if len(args) != 1 {
					return errors.New("FOLDER fehlt (oder --off) / FOLDER missing (or --off)")
				}
				abs, err := filepath.Abs(args[0])
				if err != nil {
					return err
				}
				s.Folder = abs
			}
			if err := SaveSettings(app, s); err != nil {
				return err
			}
			if s.Folder == "" {
				fmt.Fprintln(c.OutOrStdout(), "Replikation aus (die laufende Anlage stoppt sie binnen 10 s). / Replication off (the running appliance stops it within 10 s).")
			} else {
				fmt.Fprintf(c.OutOrStdout(), "Replikation nach %s eingestellt; die laufende Anlage beginnt binnen 10 s. / Replication to %s set; the running appliance starts within 10 s.\n", s.Folder, s.Folder)
			}
			return nil
		},
	})
	root.Commands()[0].Flags().BoolVar(&off, "off", false, "Replikation ausschalten / turn replication off")

	once, force := false, false
	follow := &cobra.Command{
		Use:   "follow FOLDER",
		Short: "Auf dem Bereitschaftsgerät: aus FOLDER wiederherstellen und laufend nachziehen / on the standby: restore from FOLDER and keep following",
		Long: "Stellt data.db aus der Litestream-Replik in FOLDER im Datenordner (--dir) wieder her, kopiert die Dateien und folgt dann laufend (Strg-C beendet). " +
			"Übernahme nach Ausfall des Hauptgeräts: follow beenden, dann `crisisroom serve --dir …` auf diesem Gerät.\n\n" +
			"Restores data.db from the Litestream replica in FOLDER into the data folder (--dir), copies the files, then keeps following (Ctrl-C ends). " +
			"Failover when the primary is gone: end follow, then run `crisisroom serve --dir …` on this box.",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			dir := app.DataDir()
			// This command's start opened (and created) the databases: close them first.
			if err := app.ResetBootstrapState(); err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			return Follow(ctx, args[0], dir, once, force, c.OutOrStdout())
		},
	}
	follow.Flags().BoolVar(&once, "once", false, "nur den neuesten Stand herstellen und enden / restore the latest state and exit")
	follow.Flags().BoolVar(&force, "force", false, "vorhandene Daten im Datenordner ersetzen / replace data in the data folder")
	root.AddCommand(follow)
	return root
}

// Follow restores data.db from the replica folder into dataDir and copies the stored files;
// without once it keeps applying new changes until ctx ends. A data folder that holds other
// data is refused unless force; a follow that was interrupted resumes where it stopped.
func Follow(ctx context.Context, folder, dataDir string, once, force bool, out io.Writer) error {
	dbPath := filepath.Join(dataDir, "data.db")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	// A data folder a follow filled (it has Litestream's -txid file) is the standby's own
	// copy: a follow resumes it, a --once (the failover step) replaces it with the latest state.
	followed := false
	if t, err := litestream.ReadTXIDFile(dbPath); err == nil && t > 0 {
		followed = true
	}
	resume := followed && !once
	if !resume {
		if backup.HasData(dbPath) && !force && !followed {
			return fmt.Errorf("Der Datenordner %s enthält schon Daten; mit --force werden sie ersetzt. / The data folder %s already holds data; --force replaces it.", dataDir, dataDir)
		}
		for _, n := range []string{"data.db", "data.db-wal", "data.db-shm", "data.db-txid"} {
			os.Remove(filepath.Join(dataDir, n))
		}
	}
	client := lsfile.NewReplicaClient(filepath.Join(folder, "data.db"))
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = dbPath
	opt.Follow = !once
	opt.FollowInterval = FollowInterval
	opt.IntegrityCheck = litestream.IntegrityCheckQuick

	if once {
		start := time.Now()
		if err := r.Restore(ctx, opt); err != nil {
			return fmt.Errorf("Wiederherstellung aus der Replik fehlgeschlagen / restore from the replica failed: %w", err)
		}
		n, err := mirrorFiles(folder, dataDir)
		if err != nil {
			return err
		}
		max, _ := replicaTXID(ctx, client)
		fmt.Fprintf(out, "Bereitschaftsgerät auf Stand / standby up to date: TXID %s, %d Dateien kopiert / files copied, %.1f s\n", max, n, time.Since(start).Seconds())
		fmt.Fprintf(out, "Übernahme / failover: crisisroom serve --dir %s\n", dataDir)
		return nil
	}

	done := make(chan error, 1)
	go func() { done <- r.Restore(ctx, opt) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastPrint := time.Time{}
	for {
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("Folgen der Replik fehlgeschlagen / following the replica failed: %w", err)
			}
			mirrorFiles(folder, dataDir)
			fmt.Fprintf(out, "Bereitschaft beendet / standby stopped. Übernahme / failover: crisisroom serve --dir %s\n", dataDir)
			return nil
		case <-tick.C:
			n, err := mirrorFiles(folder, dataDir)
			if err != nil {
				fmt.Fprintf(out, "Dateien / files: %v\n", err)
			}
			if time.Since(lastPrint) >= 10*time.Second || n > 0 {
				lastPrint = time.Now()
				applied, _ := litestream.ReadTXIDFile(dbPath)
				max, _ := replicaTXID(ctx, client)
				fmt.Fprintf(out, "%s Bereitschaft / standby: TXID %s von / of %s, %d neue Dateien / new files\n", time.Now().Format("15:04:05"), applied, max, n)
			}
		}
	}
}

// replicaTXID returns the newest transaction in the replica.
func replicaTXID(ctx context.Context, c litestream.ReplicaClient) (ltx.TXID, error) {
	itr, err := c.LTXFiles(ctx, 0, 0, false)
	if err != nil {
		return 0, err
	}
	defer itr.Close()
	var max ltx.TXID
	for itr.Next() {
		max = ltx.TXID(maxu(uint64(max), uint64(itr.Item().MaxTXID)))
	}
	return max, itr.Close()
}

func maxu(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// mirrorFiles copies the replica's stored files that the data folder lacks; it returns how
// many it copied.
func mirrorFiles(folder, dataDir string) (int, error) {
	src := filepath.Join(folder, core.LocalStorageDirName)
	n := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(path, ".part") {
			return nil
		}
		rel, _ := filepath.Rel(folder, path)
		dst := filepath.Join(dataDir, rel)
		if _, err := os.Stat(dst); err == nil {
			return nil
		}
		if err := copyIfMissing(path, dst); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}
