package gqlhttp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestTextInputsNameTheBadString(t *testing.T) {
	cases := []struct {
		name, query, vars, field string
	}{
		{"inline argument", `{ sentMessages(to: "a\u0000b") { nodes { body } } }`, `{}`, "to"},
		{"inline object", `mutation { updateUser(userId: "u", input: {parms: [{name: "a", value: "ok"}, {name: "b", value: "x\u0000"}]}) { user { userId } } }`, `{}`, "input.parms[1].value"},
		{"argument in a fragment", `{ ...F } fragment F on Query { sentMessages(to: "\u0000") { nodes { body } } }`, `{}`, "to"},
		{"variable", `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, `{"to": "a\u0000b"}`, "to"},
		{"nested variable", `mutation($in: UpdateUserInput!) { updateUser(userId: "u", input: $in) { user { userId } } }`, `{"in": {"parms": [{"name": "n", "value": "v\u0000"}]}}`, "in.parms[0].value"},
		{"default value", `query($to: String = "\u0000") { sentMessages(to: $to) { nodes { body } } }`, `{}`, "to"},
		{"directive argument", `{ __typename @skip(if: false) sentMessages(to: "a") @deprecated(reason: "\u0000") { body } }`, `{}`, "reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}
			if err := json.Unmarshal([]byte(tc.vars), &oc.Variables); err != nil {
				t.Fatal(err)
			}
			gqlErr := TextInputs{}.MutateOperationContext(context.Background(), oc)
			if gqlErr == nil || gqlErr.Extensions["code"] != "BAD_USER_INPUT" || gqlErr.Extensions["field"] != tc.field {
				t.Fatalf("got %+v; want BAD_USER_INPUT on %s", gqlErr, tc.field)
			}
		})
	}
	doc, _ := parser.ParseQuery(&ast.Source{Input: `query($to: String!) { sentMessages(to: "fine é ✓") { nodes { body } } b: sentMessages(to: $to) { nodes { body } } }`})
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{"to": "also fine"}}
	if err := (TextInputs{}).MutateOperationContext(context.Background(), oc); err != nil {
		t.Fatalf("clean input refused: %v", err)
	}
	if ValidText("a\xffb") || !ValidText("ok") {
		t.Fatal("ValidText")
	}
}
