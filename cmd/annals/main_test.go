package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when one leaves goroutines behind: the commands
// run crawls, a daemon, servers and lock heartbeats in goroutines that
// must all end when the command returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
