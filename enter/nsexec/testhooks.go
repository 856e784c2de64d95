//go:build nsxtest

package nsexec

// Test builds (go build -tags nsxtest) compile the hook that holds the
// entered process before exec, so that tests can look at it in that window.

// #cgo CFLAGS: -DNSX_TEST_HOOKS
import "C"
