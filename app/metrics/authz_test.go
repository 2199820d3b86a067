package metrics

import (
	"testing"

	"loyaltygraph/app/authz/authztest"
)

func TestEveryOperationFollowsItsRule(t *testing.T) {
	authztest.Walk(t, New(), Policy())
}
