package appliance_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The layout's dependency rules (docs/architecture.md), checked on the non-test imports
// of every package:
//   - hardware and its packages reach no package under hooks but hooks/tenancy and
//     hooks/audit, not even through another package;
//   - the drivers under hardware (everything but the appliance side below) import no
//     PocketBase, so the same driver runs in-process or in `crisisroom bridge`.
func TestLayoutDependencies(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "crisisroom/"
	imports := map[string][]string{} // crisisroom package -> its non-test imports
	var load func(pkg string)
	load = func(pkg string) {
		if _, done := imports[pkg]; done {
			return
		}
		imports[pkg] = nil
		p, err := build.ImportDir(filepath.Join(root, strings.TrimPrefix(pkg, mod)), 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); !ok {
				t.Fatalf("%s: %v", pkg, err)
			}
			return
		}
		imports[pkg] = p.Imports
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, mod) {
				load(imp)
			}
		}
	}
	var hardware []string
	filepath.WalkDir(filepath.Join(root, "hardware"), func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			pkg := mod + filepath.ToSlash(rel)
			load(pkg)
			if imports[pkg] != nil {
				hardware = append(hardware, pkg)
			}
		}
		return nil
	})
	if len(hardware) < 5 {
		t.Fatalf("found only %v under hardware", hardware)
	}
	// deps: every package reachable from pkg through crisisroom packages, with the chain.
	deps := func(pkg string) map[string]string {
		seen := map[string]string{pkg: pkg}
		queue := []string{pkg}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			for _, imp := range imports[p] {
				if _, ok := seen[imp]; !ok {
					seen[imp] = seen[p] + " → " + imp
					if strings.HasPrefix(imp, mod) {
						queue = append(queue, imp)
					}
				}
			}
		}
		return seen
	}
	applianceSide := map[string]bool{ // the hardware packages that are PocketBase code
		"crisisroom/hardware": true, "crisisroom/hardware/devices": true, "crisisroom/hardware/room": true,
		"crisisroom/hardware/faxgateway": true, "crisisroom/hardware/smsgateway": true,
	}
	for _, pkg := range hardware {
		for dep, chain := range deps(pkg) {
			if (dep == "crisisroom/hooks" || strings.HasPrefix(dep, "crisisroom/hooks/")) &&
				dep != "crisisroom/hooks/tenancy" && dep != "crisisroom/hooks/audit" {
				t.Errorf("%s imports %s (%s): hardware may reach only hooks/tenancy and hooks/audit", pkg, dep, chain)
			}
			if !applianceSide[pkg] && strings.HasPrefix(dep, "github.com/pocketbase/") {
				t.Errorf("driver %s imports PocketBase (%s)", pkg, chain)
			}
		}
	}
}
