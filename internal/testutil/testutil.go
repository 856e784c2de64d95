// Package testutil holds helpers shared by nsx's tests: gates for root and
// Docker that skip on a laptop but fail under CI=true, and fixture hosts.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every gated
// test must run: a skip there would hide a tier that never ran.
func InCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test, or fails it under CI.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but this test cannot run: %s", why)
	}
	t.Skip(why)
}

// RequireRoot gates a test that needs root (namespaces, cgroups, ptrace).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root")
	}
}

// RequireCommand gates a test on a program being installed.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, name+" is not installed (make test installs it)")
	}
	return p
}

// TestImage is the local busybox image that scripts/test.sh builds with
// `docker import`; nothing is pulled from a registry.
const TestImage = "nsx-test-busybox:latest"

// RequireDocker gates a test on a running Docker daemon with the test image.
func RequireDocker(t testing.TB) {
	t.Helper()
	RequireRoot(t)
	RequireCommand(t, "docker")
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		skipOrFail(t, "Docker daemon not reachable (make test starts dockerd): "+string(out))
	}
	if out, err := exec.Command("docker", "image", "inspect", TestImage).CombinedOutput(); err != nil {
		skipOrFail(t, "image "+TestImage+" missing (make test builds it): "+string(out))
	}
}
