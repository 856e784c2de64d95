package cmd_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"nsx/internal/testutil"
)

type topDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	View          string `json:"view"`
	Containers    []struct {
		Name          string   `json:"name"`
		Runtime       string   `json:"runtime"`
		MemoryLimit   *uint64  `json:"memoryLimit"`
		CPUPercent    *float64 `json:"cpuPercent"`
		CPUQuota      *float64 `json:"cpuQuota"`
		Throttled     *uint64  `json:"throttledPeriods"`
		PIDsLimit     *uint64  `json:"pidsLimit"`
		OOMKills      *uint64  `json:"oomKills"`
		MemoryCurrent *uint64  `json:"memoryCurrent"`
	} `json:"containers"`
}

// TestTopDocker: a container spinning on a 0.5-core quota shows about 50%
// CPU, throttling and its limits; an idle one shows about 0% and sorts
// after it.
func TestTopDocker(t *testing.T) {
	testutil.RequireDocker(t)
	prefix := "toptest-" + randomHex(t, 4)
	busy, idle := prefix+"-busy", prefix+"-idle"
	startContainer(t, busy, "run", "-d", "--name", busy, "--cpus", "0.5", "--memory", "48m", "--pids-limit", "17",
		testutil.TestImage, "sh", "-c", "while :; do :; done")
	startContainer(t, idle, "run", "-d", "--name", idle, testutil.TestImage, "sleep", "300")
	time.Sleep(time.Second) // let the spinner reach its quota

	doc := nsxJSON[topDoc](t, "top", "--once", "--interval", "2s", "-o", "json")
	if doc.SchemaVersion != 1 || doc.View != "top" {
		t.Fatalf("schemaVersion %d view %q", doc.SchemaVersion, doc.View)
	}
	pos := map[string]int{}
	for i, c := range doc.Containers {
		pos[c.Name] = i
	}
	bi, ok1 := pos[busy]
	ii, ok2 := pos[idle]
	if !ok1 || !ok2 {
		t.Fatalf("containers %v, want %s and %s", pos, busy, idle)
	}
	b, i := doc.Containers[bi], doc.Containers[ii]
	// The quota caps it at 50% (a little over within one period); a
	// loaded host may give it less, never nothing.
	if b.CPUPercent == nil || *b.CPUPercent < 10 || *b.CPUPercent > 60 {
		t.Errorf("busy cpuPercent %v, want at most about 50 (quota 0.5 core) and clearly above 0", b.CPUPercent)
	}
	if b.CPUQuota == nil || *b.CPUQuota != 0.5 {
		t.Errorf("busy cpuQuota %v, want 0.5", b.CPUQuota)
	}
	if b.Throttled == nil || *b.Throttled == 0 {
		t.Errorf("busy throttledPeriods %v, want > 0", b.Throttled)
	}
	if b.MemoryLimit == nil || *b.MemoryLimit != 48<<20 || b.PIDsLimit == nil || *b.PIDsLimit != 17 {
		t.Errorf("busy limits mem %v pids %v, want 48 MiB and 17", b.MemoryLimit, b.PIDsLimit)
	}
	if b.OOMKills == nil || *b.OOMKills != 0 {
		t.Errorf("busy oomKills %v, want 0", b.OOMKills)
	}
	if i.CPUPercent == nil || *i.CPUPercent > 5 {
		t.Errorf("idle cpuPercent %v, want about 0", i.CPUPercent)
	}
	if i.MemoryLimit != nil || i.CPUQuota != nil {
		t.Errorf("idle limits mem %v cpu %v, want none", i.MemoryLimit, i.CPUQuota)
	}
	if bi > ii {
		t.Errorf("sorted by cpu, busy is row %d after idle %d", bi, ii)
	}

	stdout, _, code := nsxInProcess(t, "top", "--once", "--interval", "500ms", "--sort", "name")
	if code != 0 || !strings.Contains(stdout, "CPU%") || strings.Index(stdout, busy) > strings.Index(stdout, idle) {
		t.Errorf("--sort name: exit %d, output\n%s", code, stdout)
	}
}

// TestTopUsage: bad flags are usage errors.
func TestTopUsage(t *testing.T) {
	for _, args := range [][]string{{"top", "--sort", "bogus"}, {"top", "--interval", "1ms"}, {"top", "extra"}} {
		if _, stderr, code := nsxInProcess(t, args...); code != 2 || !strings.HasPrefix(stderr, "nsx: ") {
			t.Errorf("%v: exit %d stderr %q, want 2 and one nsx: line", args, code, stderr)
		}
	}
}

// TestTopTerminal drives the live view in tmux: it draws on the alternate
// screen, and Ctrl-C ends it and gives the shell back its screen.
func TestTopTerminal(t *testing.T) {
	testutil.RequireRoot(t)
	tmux := testutil.RequireCommand(t, "tmux")
	nsx := buildNsx(t)
	session := "nsxtop" + randomHex(t, 3)
	if out, err := exec.Command(tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(tmux, "kill-session", "-t", session).Run() })
	send := func(keys ...string) {
		if out, err := exec.Command(tmux, append([]string{"send-keys", "-t", session}, keys...)...).CombinedOutput(); err != nil {
			t.Fatalf("tmux send-keys: %v\n%s", err, out)
		}
	}
	capture := func() string {
		out, err := exec.Command(tmux, "capture-pane", "-p", "-t", session).Output()
		if err != nil {
			t.Fatalf("tmux capture-pane: %v", err)
		}
		return string(out)
	}
	waitFor := func(what string, ok func(string) bool) string {
		deadline := time.Now().Add(30 * time.Second) // generous: a loaded CI host
		for {
			s := capture()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; screen:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	send("echo MARK-BEFORE; "+nsx+" top -d 300ms; echo MARK-EXIT=$?", "Enter")
	waitFor("the live view", func(s string) bool {
		return strings.Contains(s, "Ctrl-C to quit") && strings.Contains(s, "OOM-KILLS") && !strings.Contains(s, "MARK-BEFORE")
	})
	send("C-c")
	// The typed command line itself holds "MARK-EXIT=$?": wait for the
	// echoed status (a digit), not for the text of the command.
	exitLine := regexp.MustCompile(`(?m)^MARK-EXIT=\d+`)
	screen := waitFor("the shell's screen back", exitLine.MatchString)
	if !strings.Contains(screen, "MARK-BEFORE") || strings.Contains(screen, "Ctrl-C to quit") {
		t.Errorf("after Ctrl-C the terminal still shows the live view or lost its screen:\n%s", screen)
	}
	if got := exitLine.FindString(screen); got != "MARK-EXIT=0" {
		t.Errorf("Ctrl-C should end nsx top normally; screen:\n%s", screen)
	}
}
