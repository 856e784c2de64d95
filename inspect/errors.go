package inspect

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers test them with errors.Is; readers wrap them with
// the path or target they concern.
var (
	// ErrNoProcess: the process does not exist, or exited while being read.
	ErrNoProcess = errors.New("no such process")
	// ErrPermission: the kernel refused the read (not root, no CAP_SYS_PTRACE).
	ErrPermission = errors.New("permission denied")
	// ErrParse: a kernel or runtime file did not have the expected format.
	ErrParse = errors.New("malformed")
	// ErrNotHostRoot: --host-root does not look like a host's root.
	ErrNotHostRoot = errors.New("not a host root")
	// ErrNoTarget: a target matched nothing.
	ErrNoTarget = errors.New("no such target")
	// ErrAmbiguous: a target matched more than one candidate.
	ErrAmbiguous = errors.New("ambiguous target")
)

// ParseError says which file was malformed and how.
type ParseError struct {
	Path string
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("parsing %s: %v", e.Path, e.Err) }

// Unwrap lets errors.Is(err, ErrParse) match.
func (e *ParseError) Unwrap() []error { return []error{ErrParse, e.Err} }

// AmbiguousError lists every candidate a target matched.
//
//	var amb *inspect.AmbiguousError
//	if errors.As(err, &amb) { ... amb.Candidates ... }
type AmbiguousError struct {
	Target     string
	Candidates []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q is ambiguous: it matches %s", e.Target, strings.Join(e.Candidates, ", "))
}

func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// NoTargetError says what was searched for a target that matched nothing.
type NoTargetError struct {
	Target   string
	Searched string
}

func (e *NoTargetError) Error() string {
	return fmt.Sprintf("no process or container matches %q (searched %s)", e.Target, e.Searched)
}

func (e *NoTargetError) Unwrap() error { return ErrNoTarget }

// NotRunningError is a target that names a container the runtimes know but
// that has no running process (exited, created, or a stale state file).
type NotRunningError struct {
	Container *Container
}

func (e *NotRunningError) Error() string {
	c, state := e.Container, e.Container.State
	if state == "" {
		state = "no process"
	}
	return fmt.Sprintf("container %s (%s %s) is not running (%s)", c.DisplayName(), c.Runtime, c.ShortID(), state)
}

func (e *NotRunningError) Unwrap() error { return ErrNoTarget }

// describedError is a message written for people that still matches a
// sentinel with errors.Is, without repeating the sentinel's text.
type describedError struct {
	msg string
	err error
}

func (e *describedError) Error() string { return e.msg }
func (e *describedError) Unwrap() error { return e.err }

// describe returns an error that reads msg and matches sentinel.
func describe(sentinel error, format string, a ...any) error {
	return &describedError{msg: fmt.Sprintf(format, a...), err: sentinel}
}
