package zoneinfo

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedZonesMatchTheSystem: the copy in the binary gives every zone the same
// offsets and abbreviations as the system's database, across summer time changes and
// years (the box running the tests has one).
func TestEmbeddedZonesMatchTheSystem(t *testing.T) {
	names := []string{"Europe/Berlin", "Europe/Vienna", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}
	for _, name := range names {
		sys, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("no system zone database here: %v", err)
		}
		data, ok := embedded(name)
		if !ok {
			t.Fatalf("%s is not in the copy in the binary", name)
		}
		own, err := time.LoadLocationFromTZData(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2031; at = at.Add(97 * time.Hour) {
			a1, o1 := at.In(sys).Zone()
			a2, o2 := at.In(own).Zone()
			if a1 != a2 || o1 != o2 {
				t.Fatalf("%s at %s: system %s %+d, binary's copy %s %+d", name, at, a1, o1, a2, o2)
			}
		}
	}
}

// TestLoad: a known name comes back with its name; an unknown one is an error, as from
// time.LoadLocation.
func TestLoad(t *testing.T) {
	loc, err := Load("Europe/Berlin")
	if err != nil || loc.String() != "Europe/Berlin" {
		t.Fatalf("Load(Europe/Berlin) = %v, %v", loc, err)
	}
	if _, err := Load("Mars/Olympus_Mons"); err == nil {
		t.Fatal("Load of an unknown zone gave no error")
	}
	if _, ok := embedded("Mars/Olympus_Mons"); ok {
		t.Fatal("an unknown zone was found in the binary's copy")
	}
}

// TestSameAsTheToolchains: the gzipped copy is the Go toolchain's lib/time/zoneinfo.zip
// (what time/tzdata embeds); after a Go upgrade that changed it, run go generate ./zoneinfo.
func TestSameAsTheToolchains(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no lib/time/zoneinfo.zip in the toolchain: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipGz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("zoneinfo.zip.gz holds %d bytes that differ from the toolchain's %d (run go generate ./zoneinfo)", len(got), len(want))
	}
}
