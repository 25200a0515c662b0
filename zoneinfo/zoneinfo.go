// Package zoneinfo finds a time zone by its IANA name on any box: in the system's zone
// database, else in a gzipped copy of Go's own (lib/time/zoneinfo.zip) kept in the binary.
// It stands in for importing time/tzdata, which embeds the same 408 KB unpacked; gzipped
// it is 95 KB, and it is only unpacked on a box without a zone database (minimal images).
package zoneinfo

//go:generate go run gen.go

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"time"
)

//go:embed zoneinfo.zip.gz
var zipGz []byte

// Load returns the zone called name ("Europe/Berlin"; "" and "UTC" are UTC, "Local" the
// box's), as time.LoadLocation does, falling back to the copy in the binary when the
// system has no zone database or not that zone. The error is time.LoadLocation's when
// neither knows the name.
func Load(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err == nil {
		return loc, nil
	}
	if data, ok := embedded(name); ok {
		return time.LoadLocationFromTZData(name, data)
	}
	return nil, err
}

// embedded returns the TZif data of name from the copy in the binary.
func embedded(name string) ([]byte, bool) {
	zr, err := gzip.NewReader(bytes.NewReader(zipGz))
	if err != nil {
		return nil, false
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, false
	}
	r, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, false
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return data, err == nil
}
