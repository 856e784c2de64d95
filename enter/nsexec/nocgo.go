//go:build !cgo

package nsexec

// Without cgo there is no constructor, and nsx enter cannot switch into
// user and mount namespaces: package enter refuses with this reason.

// Unavailable says why entering is not possible in this build.
const Unavailable = "this nsx was built without cgo (CGO_ENABLED=0), which nsx enter needs: build it with make build"
