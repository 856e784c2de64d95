// Package nsexec holds the C constructor that performs `nsx enter`'s switch
// into another process's namespaces before Go's runtime starts (see
// nsexec.c). Importing it is all it takes: the constructor does nothing
// unless the process was started by package enter with _NSX_ENTER=1.
package nsexec

// #cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2
import "C"

// Unavailable is empty: this build can enter.
const Unavailable = ""
