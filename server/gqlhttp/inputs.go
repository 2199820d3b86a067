package gqlhttp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TextInputs is a gqlgen extension that refuses an operation whose string
// inputs — variables, and arguments written in the document — contain a NUL
// character or invalid UTF-8, before any resolver runs. PostgreSQL cannot
// store either in a text column, so without it they fail deep in the store
// as internal errors. The error has extensions.code BAD_USER_INPUT and
// extensions.field naming the variable or argument.
type TextInputs struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = TextInputs{}

// ExtensionName names the extension for gqlgen.
func (TextInputs) ExtensionName() string { return "TextInputs" }

// Validate accepts every schema.
func (TextInputs) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks the operation's variables and the string
// literals of its document.
func (TextInputs) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	names := make([]string, 0, len(oc.Variables))
	for name := range oc.Variables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if field, ok := badValue(oc.Variables[name], name); ok {
			return badText(field)
		}
	}
	if oc.Operation == nil {
		return nil
	}
	w := literalWalker{doc: oc.Doc, seen: map[string]bool{}}
	for _, v := range oc.Operation.VariableDefinitions {
		if field, ok := badLiteral(v.DefaultValue, v.Variable); ok {
			return badText(field)
		}
	}
	if field, ok := w.directives(oc.Operation.Directives); ok {
		return badText(field)
	}
	if field, ok := w.selectionSet(oc.Operation.SelectionSet); ok {
		return badText(field)
	}
	return nil
}

func badText(field string) *gqlerror.Error {
	err := gqlerror.Errorf("%s must not contain NUL characters or invalid UTF-8", field)
	err.Extensions = map[string]any{"code": "BAD_USER_INPUT", "field": field}
	return err
}

// ValidText reports whether s may be stored as text: valid UTF-8 without a
// NUL character.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// badValue finds a string in a decoded JSON value that is not ValidText,
// and returns its path under name.
func badValue(v any, name string) (string, bool) {
	switch x := v.(type) {
	case string:
		return name, !ValidText(x)
	case []any:
		for i, e := range x {
			if f, ok := badValue(e, fmt.Sprintf("%s[%d]", name, i)); ok {
				return f, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !ValidText(k) {
				return name, true
			}
			if f, ok := badValue(x[k], name+"."+k); ok {
				return f, true
			}
		}
	}
	return "", false
}

// badLiteral is badValue for a value written in the document.
func badLiteral(v *ast.Value, name string) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return name, !ValidText(v.Raw)
	case ast.ListValue:
		for i, c := range v.Children {
			if f, ok := badLiteral(c.Value, fmt.Sprintf("%s[%d]", name, i)); ok {
				return f, true
			}
		}
	case ast.ObjectValue:
		for _, c := range v.Children {
			if f, ok := badLiteral(c.Value, name+"."+c.Name); ok {
				return f, true
			}
		}
	}
	return "", false
}

// literalWalker visits the arguments of a document's selections, each
// fragment once.
type literalWalker struct {
	doc  *ast.QueryDocument
	seen map[string]bool
}

func (w *literalWalker) arguments(args ast.ArgumentList) (string, bool) {
	for _, a := range args {
		if f, ok := badLiteral(a.Value, a.Name); ok {
			return f, true
		}
	}
	return "", false
}

func (w *literalWalker) directives(ds ast.DirectiveList) (string, bool) {
	for _, d := range ds {
		if f, ok := w.arguments(d.Arguments); ok {
			return f, true
		}
	}
	return "", false
}

func (w *literalWalker) selectionSet(set ast.SelectionSet) (string, bool) {
	for _, sel := range set {
		var f string
		var bad bool
		switch s := sel.(type) {
		case *ast.Field:
			if f, bad = w.arguments(s.Arguments); !bad {
				if f, bad = w.directives(s.Directives); !bad {
					f, bad = w.selectionSet(s.SelectionSet)
				}
			}
		case *ast.InlineFragment:
			if f, bad = w.directives(s.Directives); !bad {
				f, bad = w.selectionSet(s.SelectionSet)
			}
		case *ast.FragmentSpread:
			if f, bad = w.directives(s.Directives); !bad && !w.seen[s.Name] {
				w.seen[s.Name] = true
				if def := w.doc.Fragments.ForName(s.Name); def != nil {
					f, bad = w.selectionSet(def.SelectionSet)
				}
			}
		}
		if bad {
			return f, true
		}
	}
	return "", false
}
