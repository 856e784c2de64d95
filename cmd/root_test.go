package cmd_test

import (
	"bytes"
	"strings"
	"testing"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// runNSX runs nsx in-process, as the binary would, and returns what it
// printed and its exit code.
func runNSX(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmd.Main(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestExitCodes(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string // substrings of stderr
		wantStdout string   // prefix of stdout
		oneLine    bool     // stderr must be exactly one line
	}{
		{name: "ls fine", args: []string{"--host-root", root, "ls"}, wantCode: cmd.ExitOK},
		{name: "unknown flag", args: []string{"--host-root", root, "ls", "--bogus"}, wantCode: cmd.ExitUsage,
			wantStderr: []string{"nsx: ", "--bogus"}},
		{name: "unknown shorthand flag", args: []string{"--host-root", root, "ls", "-Z"}, wantCode: cmd.ExitUsage},
		{name: "output yaml", args: []string{"--host-root", root, "--output", "yaml", "ls"}, wantCode: cmd.ExitUsage,
			wantStderr: []string{"yaml"}},
		{name: "--type without --ns", args: []string{"--host-root", root, "ls", "--type", "net"}, wantCode: cmd.ExitUsage,
			wantStderr: []string{"--ns"}},
		{name: "unknown namespace type", args: []string{"--host-root", root, "ls", "--ns", "--type", "bogus"}, wantCode: cmd.ExitUsage},
		{name: "--tree with --ns", args: []string{"--host-root", root, "ls", "--tree", "--ns"}, wantCode: cmd.ExitUsage},
		{name: "bad --color", args: []string{"--host-root", root, "--color", "pink", "ls"}, wantCode: cmd.ExitUsage},
		{name: "unknown command", args: []string{"--host-root", root, "frobnicate"}, wantCode: cmd.ExitUsage,
			wantStderr: []string{"frobnicate"}, oneLine: true},
		// A bare "nsx" prints help and succeeds.
		{name: "bare nsx", args: nil, wantCode: cmd.ExitOK, wantStdout: "nsx maps"},
		{name: "unknown target", args: []string{"--host-root", root, "ls", "no-such-container"}, wantCode: cmd.ExitError,
			wantStderr: []string{"no-such-container"}, oneLine: true},
		{name: "unknown pid", args: []string{"--host-root", root, "ls", "4242"}, wantCode: cmd.ExitError,
			wantStderr: []string{"4242"}, oneLine: true},
		{name: "ambiguous prefix", args: []string{"--host-root", root, "ls", "7c3a9e"}, wantCode: cmd.ExitError,
			// db and metrics both start with 7c3a9e.
			wantStderr: []string{"7c3a9e10b2d4", "7c3a9e55d1f3"}, oneLine: true},
		{name: "stopped container", args: []string{"--host-root", root, "ls", "old-job"}, wantCode: cmd.ExitError,
			wantStderr: []string{"old-job", "not running"}, oneLine: true},
		{name: "nonexistent host root", args: []string{"--host-root", "/nonexistent", "ls"}, wantCode: cmd.ExitError,
			wantStderr: []string{"/nonexistent"}, oneLine: true},
		{name: "host root without proc", args: []string{"--host-root", t.TempDir(), "ls"}, wantCode: cmd.ExitError,
			wantStderr: []string{"proc"}, oneLine: true},
		{name: "version", args: []string{"version"}, wantCode: cmd.ExitOK, wantStdout: "nsx "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runNSX(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if tt.wantCode != cmd.ExitOK && !strings.HasPrefix(stderr, "nsx: ") {
				t.Errorf("stderr = %q, want it to start with \"nsx: \"", stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", stderr, want)
				}
			}
			if tt.oneLine && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr has %d lines, want exactly 1:\n%s", strings.Count(stderr, "\n"), stderr)
			}
			if !strings.HasPrefix(stdout, tt.wantStdout) {
				t.Errorf("stdout = %q, want prefix %q", stdout, tt.wantStdout)
			}
			if tt.wantCode != cmd.ExitOK && stdout != "" && tt.wantStdout == "" {
				t.Errorf("a failing run printed to stdout:\n%s", stdout)
			}
		})
	}
}
