package loyalty

import (
	"testing"

	"loyaltygraph/app/authz/authztest"
)

func TestEveryOperationFollowsItsRule(t *testing.T) {
	authztest.Walk(t, New(nil, nil, nil, nil, nil, nil, nil), Policy())
}
