package e2e

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/zhonglou/ecospace/"

// importArrows is README's architecture table: for each package of the
// project, the project's packages it may import. A package not named here
// fails the test until it is placed in the table (and the README).
var importArrows = map[string][]string{
	"cmd/ecospace":               {"*"},
	"cmd/ecospace/gctune":        {},
	"cmd/ecospace/internal/load": {"geo"},
	"server":                     {"server/check", "server/ogc", "server/problem", "server/reeval", "server/hooks", "data", "data/layerfile", "geo"},
	"server/ogc":                 {"server/problem", "data", "geo"},
	"server/check":               {"data", "geo"},
	"server/problem":             {},
	"server/reeval":              {"server/check", "data", "geo"},
	"server/hooks":               {"data"},
	"data/memory":                {"data", "geo"},
	"data/postgis":               {"data", "geo"},
	"data/layerfile":             {"data", "geo"},
	"data/demo":                  {"data", "data/layerfile", "geo"},
	"data/gen":                   {"data", "data/layerfile", "geo"},
	"data":                       {"geo"},
	"geo":                        {},
	"web":                        {},
	"data/storetest":             {"*"}, // test support
	"data/pgtest":                {"*"},
	"server/servertest":          {"*"},
	"e2e":                        {"*"},
}

// noIO are standard packages geo may not import: it is the domain, and
// does no I/O.
var noIO = []string{"os", "net", "net/http", "database/sql", "io/fs", "os/exec"}

// TestImportArrows: every import between the project's packages points
// down README's architecture table, `web` is imported by cmd only, and geo
// imports no I/O package (nor echo, nor pgx).
func TestImportArrows(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "../...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(out)
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		name := strings.TrimPrefix(p.ImportPath, module)
		allowed, ok := importArrows[name]
		if !ok {
			t.Errorf("package %s is not in README's architecture table", name)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				if name == "geo" && (slices.Contains(noIO, imp) || strings.Contains(imp, "labstack/echo") || strings.Contains(imp, "jackc/pgx")) {
					t.Errorf("geo imports %s: the domain does no I/O", imp)
				}
				continue
			}
			to := strings.TrimPrefix(imp, module)
			if to == "web" && name != "cmd/ecospace" {
				t.Errorf("%s imports web: only cmd mounts the map", name)
			}
			if !slices.Contains(allowed, "*") && !slices.Contains(allowed, to) {
				t.Errorf("%s imports %s: not an arrow of the architecture table (it may import %v)", name, to, allowed)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if seen < len(importArrows)-1 {
		t.Errorf("go list saw %d packages; the table names %d", seen, len(importArrows))
	}
}
