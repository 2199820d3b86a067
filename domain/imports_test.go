// Package domain_test guards the direction of dependencies: the domain
// packages may import the standard library, shopspring/decimal and each
// other, never an edge or a driver.
package domain_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

func TestDomainImportsNoEdges(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/99designs/gqlgen", "github.com/vektah/gqlparser", "github.com/jackc/pgx",
		"github.com/redis/go-redis", "net/http", "loyaltygraph/store", "loyaltygraph/server",
		"loyaltygraph/rest", "loyaltygraph/resolvers", "loyaltygraph/graph", "loyaltygraph/internal/wire",
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var pkg struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatal(err)
		}
		checked++
		for _, dep := range pkg.Deps {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", pkg.ImportPath, dep)
				}
			}
		}
	}
	if checked < 4 {
		t.Fatalf("checked only %d domain packages", checked)
	}
}
