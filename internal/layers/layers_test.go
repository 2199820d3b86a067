// Package layers guards the direction of dependencies between the layers of
// the service: each layer imports only what its allow-list names, and the
// doors never reach into each other or into storage.
package layers

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// pkg is what go list reports of one package (test files not included).
type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "loyaltygraph/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func under(path string, prefixes ...string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// std reports whether path is a standard library package: its first
// element has no dot and it is not this module's.
func std(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "loyaltygraph"
}

// noTransport is the standard library a room without doors may not use:
// networking and databases (net/url and net/netip, which only parse
// values, stay allowed), processes and unsafe memory.
var noTransport = []string{"net/http", "net/rpc", "net/smtp", "net/mail", "database", "os/exec", "syscall", "unsafe"}

// transport reports whether imp is standard-library I/O a room without
// doors may not use.
func transport(imp string) bool { return imp == "net" || under(imp, noTransport...) }

// rule is the allow-list of one layer: the imports it may have.
type rule struct {
	layer string
	allow func(imp string) bool
	// forbiddenDeps may not appear even indirectly.
	forbiddenDeps []string
}

var rules = []rule{
	{
		layer: "loyaltygraph/domain",
		allow: func(imp string) bool {
			// singleflight: one verification of a credential at a time.
			return (std(imp) && !transport(imp)) || imp == "golang.org/x/sync/singleflight" ||
				imp == "github.com/shopspring/decimal" || under(imp, "loyaltygraph/domain")
		},
		forbiddenDeps: []string{"net/http", "github.com/jackc/pgx", "github.com/redis/go-redis",
			"github.com/99designs/gqlgen"},
	},
	{
		layer: "loyaltygraph/app",
		allow: func(imp string) bool {
			return (std(imp) && !transport(imp)) ||
				imp == "github.com/shopspring/decimal" || under(imp, "loyaltygraph/domain", "loyaltygraph/app")
		},
		forbiddenDeps: []string{"net/http", "github.com/jackc/pgx", "github.com/redis/go-redis",
			"github.com/99designs/gqlgen", "github.com/vektah/gqlparser", "loyaltygraph/graph"},
	},
	{
		layer: "loyaltygraph/rest",
		allow: func(imp string) bool {
			return std(imp) || imp == "github.com/shopspring/decimal" ||
				under(imp, "loyaltygraph/domain", "loyaltygraph/app", "loyaltygraph/rest", "loyaltygraph/phone",
					"loyaltygraph/render")
		},
		forbiddenDeps: []string{"loyaltygraph/resolvers", "loyaltygraph/graph", "github.com/99designs/gqlgen",
			"github.com/vektah/gqlparser", "github.com/jackc/pgx", "github.com/redis/go-redis", "loyaltygraph/store"},
	},
	{
		// Renderers turn domain objects into documents (HTML, PDF) for
		// either door; they know no transport and no storage.
		layer: "loyaltygraph/render",
		allow: func(imp string) bool {
			return (std(imp) && !transport(imp)) || imp == "github.com/shopspring/decimal" ||
				under(imp, "loyaltygraph/domain", "codeberg.org/go-pdf/fpdf", "golang.org/x/image")
		},
		forbiddenDeps: []string{"net/http", "github.com/jackc/pgx", "github.com/redis/go-redis",
			"github.com/99designs/gqlgen", "loyaltygraph/app", "loyaltygraph/rest", "loyaltygraph/resolvers"},
	},
	{
		layer: "loyaltygraph/resolvers",
		allow: func(imp string) bool {
			return std(imp) || !under(imp, "loyaltygraph/rest", "loyaltygraph/store", "loyaltygraph/server",
				"loyaltygraph/internal", "github.com/jackc/pgx", "github.com/redis/go-redis")
		},
		forbiddenDeps: []string{"loyaltygraph/rest", "loyaltygraph/store", "github.com/jackc/pgx",
			"github.com/redis/go-redis"},
	},
}

// TestLayersImportOnlyWhatTheyMay: the domain and the application layer
// know nothing of HTTP, GraphQL, PostgreSQL or Redis; the REST families
// reach the application layer, never the GraphQL package; the resolvers
// never reach REST or storage.
func TestLayersImportOnlyWhatTheyMay(t *testing.T) {
	seen := map[string]int{}
	for _, p := range listPackages(t) {
		for _, r := range rules {
			if !under(p.ImportPath, r.layer) {
				continue
			}
			seen[r.layer]++
			for _, imp := range p.Imports {
				if !r.allow(imp) {
					t.Errorf("%s imports %s, which its layer may not", p.ImportPath, imp)
				}
			}
			for _, dep := range p.Deps {
				if under(dep, r.forbiddenDeps...) {
					t.Errorf("%s depends on %s", p.ImportPath, dep)
				}
			}
		}
	}
	for _, r := range rules {
		if seen[r.layer] == 0 {
			t.Errorf("no package found under %s", r.layer)
		}
	}
}

// TestRulesRefuseWhatTheyGuard: each allow-list refuses what its layer must
// not import, so that a loosened rule cannot pass unnoticed.
func TestRulesRefuseWhatTheyGuard(t *testing.T) {
	refused := map[string][]string{
		"loyaltygraph/domain":    {"net/http", "database/sql", "github.com/jackc/pgx/v5", "loyaltygraph/app/users", "loyaltygraph/store/postgres"},
		"loyaltygraph/app":       {"net/http", "github.com/99designs/gqlgen/graphql", "github.com/jackc/pgx/v5", "github.com/redis/go-redis/v9", "loyaltygraph/graph/model", "loyaltygraph/resolvers"},
		"loyaltygraph/rest":      {"loyaltygraph/resolvers", "loyaltygraph/graph", "github.com/99designs/gqlgen/graphql", "loyaltygraph/store/postgres"},
		"loyaltygraph/render":    {"net/http", "github.com/jackc/pgx/v5", "loyaltygraph/app/receipts", "loyaltygraph/store/redis"},
		"loyaltygraph/resolvers": {"loyaltygraph/rest/userapi", "loyaltygraph/store/postgres", "github.com/jackc/pgx/v5"},
	}
	for _, r := range rules {
		for _, imp := range refused[r.layer] {
			if r.allow(imp) {
				t.Errorf("the rule of %s lets it import %s", r.layer, imp)
			}
		}
	}
}
