package cmd_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"nsx/internal/testutil"
)

// TestNonRootCgroup: an ordinary user sees the cgroups of their own
// processes (cgroup files are world-readable) and nsx top still runs,
// saying what it could not see.
func TestNonRootCgroup(t *testing.T) {
	testutil.RequireRoot(t) // to become nobody
	nsx := buildNsx(t)
	pid := startSleeper(t, true)

	stdout, stderr, code := runAsNobody(t, nsx, "cgroup", strconv.Itoa(pid), "-o", "json")
	if code != 0 {
		t.Fatalf("nsx cgroup as nobody: exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		PID    int               `json:"pid"`
		Layout string            `json:"layout"`
		Paths  map[string]string `json:"paths"`
		Memory *struct {
			Current *uint64 `json:"current"`
		} `json:"memory"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if doc.PID != pid || doc.Layout == "" || len(doc.Paths) == 0 || doc.Memory == nil {
		t.Errorf("nobody's own sleep: pid %d layout %q paths %v memory %v", doc.PID, doc.Layout, doc.Paths, doc.Memory)
	}

	stdout, stderr, code = runAsNobody(t, nsx, "top", "--once", "--interval", "200ms", "-o", "json")
	if code != 0 || stderr != "" {
		t.Fatalf("nsx top as nobody: exit %d, stderr %q", code, stderr)
	}
	var top struct {
		Containers []json.RawMessage `json:"containers"`
		Warnings   []string          `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(stdout), &top); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if !strings.Contains(strings.Join(top.Warnings, "\n"), "hidden") {
		t.Errorf("warnings %q, want one saying processes were hidden", top.Warnings)
	}
}
