package runtimes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkParse holds one parser's result to its table row: an error when the
// row wants one, else exactly want (compared with opts).
func checkParse[T any](t *testing.T, parser, in string, got T, err error, wantErr bool, want T, opts ...cmp.Option) {
	t.Helper()
	if wantErr {
		if err == nil {
			t.Fatalf("%s(%.60q…) = %+v, want an error", parser, in, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s(%.60q…): %v", parser, in, err)
	}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", parser, diff)
	}
}

// identified is the container cgroup path p names, completed by s from the
// runtimes' state, as a scan does.
func identified(t *testing.T, s *Store, p string) *Container {
	t.Helper()
	c := FromCgroupPath(p)
	if c == nil {
		t.Fatalf("FromCgroupPath(%q) = nil", p)
	}
	s.Identify(c)
	return c
}
