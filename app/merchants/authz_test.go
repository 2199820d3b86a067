package merchants

import (
	"testing"

	"loyaltygraph/app/authz/authztest"
)

func TestEveryOperationFollowsItsRule(t *testing.T) {
	authztest.Walk(t, New(nil), Policy())
}

func TestEveryProfileOperationFollowsItsRule(t *testing.T) {
	authztest.Walk(t, NewProfileOps(nil), ProfilePolicy())
}
