package gqlhttp

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits is a gqlgen extension that refuses oversized documents before
// gqlgen validates them or computes their complexity. Both of those walk the
// document with every fragment expanded where it is spread, so a kilobyte of
// fragments spreading each other twice expands to billions of fields; Limits
// counts the expanded size in one pass over the text as written, each
// fragment's size computed once and reused at every spread.
//
// Use it after the persisted-query extension (so that a query known by its
// hash only is checked too) and before any other extension. Zero fields mean
// no limit.
type Limits struct {
	// Selections caps the fields, fragment spreads and inline fragments of
	// the document, each fragment counted every time it is spread.
	Selections int
	// FragmentSpreads caps the fragment spreads of an operation, counted
	// the same way.
	FragmentSpreads int
	// Aliases caps the aliased fields of an operation.
	Aliases int
	// Directives caps the directives of an operation.
	Directives int
	// RootFields caps the top-level fields of a query operation.
	RootFields int
	// MutationFields caps the top-level fields of a mutation, each of
	// which writes.
	MutationFields int
	// Depth caps how deeply fields nest, fragments expanded (a fragment
	// spread or an inline fragment adds no level; each field adds one).
	Depth int
	// OncePerDocument names top-level fields that a document may select at
	// most once, however they are aliased or spread: the sensitive
	// mutations (one-time passwords, logins), whose every try counts.
	OncePerDocument []string
	// TokenLimit is the parser's token limit (the server's own).
	TokenLimit int
	// Validated, when set, is the server's query cache: a document found
	// there has passed these limits already.
	Validated graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = Limits{}

// CodeTooLarge is the extensions.code of a document refused by Limits.
const CodeTooLarge = "QUERY_TOO_LARGE"

// ExtensionName names the extension for gqlgen.
func (Limits) ExtensionName() string { return "DocumentLimits" }

// Validate accepts every schema.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a document over a limit, or one whose
// fragments spread each other in a cycle.
func (l Limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // gqlgen reports the missing query
	}
	if l.Validated != nil {
		if _, ok := l.Validated.Get(ctx, p.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.TokenLimit)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	return l.Check(doc)
}

// Check returns the error of the first limit doc exceeds, or nil.
func (l Limits) Check(doc *ast.QueryDocument) *gqlerror.Error {
	c := counter{doc: doc, memo: map[string]*tally{}, once: map[string]bool{}}
	for _, name := range l.OncePerDocument {
		c.once[name] = true
	}
	var selections int
	onceSeen := map[string]int{}
	for _, op := range doc.Operations {
		t := c.selectionSet(op.SelectionSet)
		if c.err != nil {
			return c.err
		}
		t.directives = sat(t.directives + len(op.Directives))
		selections = sat(selections + t.selections)
		name := "the operation"
		if op.Name != "" {
			name = "operation " + op.Name
		}
		roots, rootLimit, rootWhat := t.top, l.RootFields, "top-level fields"
		if op.Operation == ast.Mutation {
			rootLimit, rootWhat = l.MutationFields, "mutation fields"
		}
		for _, lim := range []struct {
			n, max int
			what   string
		}{
			{t.aliases, l.Aliases, "aliases"},
			{t.spreads, l.FragmentSpreads, "fragment spreads (counted each time their fragment is spread)"},
			{t.directives, l.Directives, "directives (counted each time their fragment is spread)"},
			{roots, rootLimit, rootWhat},
		} {
			if lim.max > 0 && lim.n > lim.max {
				return tooLarge("%s has %s %s; the limit is %d", name, count(lim.n), lim.what, lim.max)
			}
		}
		if l.Depth > 0 && t.depth > l.Depth {
			return tooLarge("%s nests fields %s deep; the limit is %d", name, count(t.depth), l.Depth)
		}
		for field, n := range t.once {
			onceSeen[field] = sat(onceSeen[field] + n)
		}
	}
	for _, field := range l.OncePerDocument {
		if n := onceSeen[field]; n > 1 {
			return tooLarge("the document selects %s %s times; it may be selected once per request", field, count(n))
		}
	}
	if l.Selections > 0 && selections > l.Selections {
		return tooLarge("the document selects %s fields once its fragments are expanded; the limit is %d",
			count(selections), l.Selections)
	}
	return nil
}

func tooLarge(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": CodeTooLarge}
	return err
}

// saturation bounds every count, so that no sum overflows however deeply
// fragments nest.
const saturation = 1 << 40

func sat(n int) int { return min(n, saturation) }

func count(n int) string {
	if n >= saturation {
		return "more than a trillion"
	}
	return fmt.Sprint(n)
}

// tally is what a selection set holds once its fragments are expanded.
type tally struct {
	selections, spreads, aliases, directives int
	// top counts the fields at the top level of the selection set,
	// including those of fragments spread or inlined at that level.
	top int
	// depth is how deeply fields nest below the selection set.
	depth int
	// once counts the top-level fields named in Limits.OncePerDocument,
	// by name, like top.
	once map[string]int
}

func (t *tally) add(o *tally, withTop bool) {
	t.selections = sat(t.selections + o.selections)
	t.spreads = sat(t.spreads + o.spreads)
	t.aliases = sat(t.aliases + o.aliases)
	t.directives = sat(t.directives + o.directives)
	if withTop {
		t.top = sat(t.top + o.top)
		for name, n := range o.once {
			if t.once == nil {
				t.once = map[string]int{}
			}
			t.once[name] = sat(t.once[name] + n)
		}
	}
}

// counter walks a document as written, remembering each fragment's tally.
type counter struct {
	doc  *ast.QueryDocument
	memo map[string]*tally // nil value: being counted (a cycle if met again)
	err  *gqlerror.Error
	once map[string]bool
}

func (c *counter) selectionSet(set ast.SelectionSet) *tally {
	t := &tally{}
	for _, sel := range set {
		if c.err != nil {
			return t
		}
		switch s := sel.(type) {
		case *ast.Field:
			t.selections++
			t.top++
			if s.Alias != "" && s.Alias != s.Name {
				t.aliases++
			}
			if c.once[s.Name] {
				if t.once == nil {
					t.once = map[string]int{}
				}
				t.once[s.Name]++
			}
			t.directives += len(s.Directives)
			child := c.selectionSet(s.SelectionSet)
			t.add(child, false)
			t.depth = max(t.depth, child.depth+1)
		case *ast.InlineFragment:
			t.selections++
			t.directives += len(s.Directives)
			child := c.selectionSet(s.SelectionSet)
			t.add(child, true)
			t.depth = max(t.depth, child.depth)
		case *ast.FragmentSpread:
			t.selections++
			t.spreads++
			t.directives += len(s.Directives)
			child := c.fragment(s.Name)
			t.add(child, true)
			t.depth = max(t.depth, child.depth)
		}
	}
	return t
}

func (c *counter) fragment(name string) *tally {
	if t, seen := c.memo[name]; seen {
		if t == nil {
			c.err = gqlerror.Errorf("fragment %s spreads itself, directly or through other fragments", name)
			errcode.Set(c.err, errcode.ValidationFailed)
			return &tally{}
		}
		return t
	}
	def := c.doc.Fragments.ForName(name)
	if def == nil {
		return &tally{} // validation reports the unknown fragment
	}
	c.memo[name] = nil
	t := c.selectionSet(def.SelectionSet)
	t.directives = sat(t.directives + len(def.Directives))
	c.memo[name] = t
	return t
}
