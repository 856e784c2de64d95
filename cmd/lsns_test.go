//go:build linux

package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// lsnsDoc is `lsns -J` of util-linux 2.38 (columns ns,type,nprocs,pid,user,command).
type lsnsDoc struct {
	Namespaces []struct {
		NS     uint64 `json:"ns"`
		Type   string `json:"type"`
		NProcs int    `json:"nprocs"`
		PID    int    `json:"pid"`
	} `json:"namespaces"`
}

// nsxNamespacesDoc is the part of `nsx ls --ns -o json` compared here.
type nsxNamespacesDoc struct {
	Scan struct {
		Processes int `json:"processes"`
		Hidden    int `json:"hidden"`
	} `json:"scan"`
	Namespaces []struct {
		Inode  uint64 `json:"inode"`
		Type   string `json:"type"`
		NProcs int    `json:"nprocs"`
	} `json:"namespaces"`
	Warnings []string `json:"warnings"`
}

type nsKey struct {
	typ   string
	inode uint64
}

// TestLsnsAgreesOnNProcs compares nsx's process count per namespace with
// lsns's on the live host. Processes come and go between the runs, so only
// namespaces whose count lsns gives identically before and after nsx are
// compared, and the whole comparison is retried a few times.
func TestLsnsAgreesOnNProcs(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "lsns")

	// lsns runs as a child of this test, in its namespaces, and counts
	// itself there; nsx runs in-process and sees the test once.
	self := map[nsKey]bool{}
	for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"} {
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/ns/"+typ, &st); err == nil {
			self[nsKey{typ, st.Ino}] = true
		}
	}
	// When PID 1 is unreadable even to root (as on this CI VM), both tools
	// must miss it the same way for the counts to agree.
	_, pid1Err := os.Readlink("/proc/1/ns/net")
	pid1Hidden := errors.Is(pid1Err, unix.EACCES)

	const attempts = 5
	var lastProblems []string
	for attempt := 1; attempt <= attempts; attempt++ {
		before := runLsns(t)
		nsx := runNsxNamespaces(t)
		after := runLsns(t)

		var problems []string
		if pid1Hidden {
			if nsx.Scan.Hidden < 1 {
				problems = append(problems, fmt.Sprintf("PID 1 is unreadable but nsx counts %d hidden", nsx.Scan.Hidden))
			}
			for _, n := range before.Namespaces {
				if n.PID == 1 {
					problems = append(problems, fmt.Sprintf("lsns read PID 1 (%s %d), which this test cannot", n.Type, n.NS))
				}
			}
		}
		afterCount := map[nsKey]int{}
		for _, n := range after.Namespaces {
			afterCount[nsKey{n.Type, n.NS}] = n.NProcs
		}
		nsxCount := map[nsKey]int{}
		for _, n := range nsx.Namespaces {
			nsxCount[nsKey{n.Type, n.Inode}] = n.NProcs
		}
		compared := 0
		for _, n := range before.Namespaces {
			k := nsKey{n.Type, n.NS}
			if c, ok := afterCount[k]; !ok || c != n.NProcs {
				continue // changed between the runs
			}
			want := n.NProcs
			if self[k] {
				want-- // lsns itself
			}
			compared++
			got, ok := nsxCount[k]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s %d (lsns: %d procs, pid %d) missing from nsx", k.typ, k.inode, n.NProcs, n.PID))
			case got != want:
				problems = append(problems, fmt.Sprintf("%s %d: nsx %d procs, lsns %d (so %d without itself)", k.typ, k.inode, got, n.NProcs, want))
			}
		}
		if compared < 5 {
			problems = append(problems, fmt.Sprintf("only %d namespaces were stable across the lsns runs", compared))
		}
		if len(problems) == 0 {
			t.Logf("attempt %d: %d stable namespaces agree with lsns", attempt, compared)
			return
		}
		t.Logf("attempt %d: %d compared, %d problems: %v", attempt, compared, len(problems), problems)
		lastProblems = problems
	}
	t.Fatalf("nsx never agreed with lsns in %d attempts; last problems:\n%v", attempts, lastProblems)
}

func runLsns(t *testing.T) lsnsDoc {
	t.Helper()
	out, err := exec.Command("lsns", "-J", "-o", "ns,type,nprocs,pid,user,command").Output()
	if err != nil {
		t.Fatalf("lsns -J: %v", err)
	}
	var doc lsnsDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("lsns -J output: %v\n%s", err, out)
	}
	return doc
}

func runNsxNamespaces(t *testing.T) nsxNamespacesDoc {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cmd.Main([]string{"ls", "--ns", "-o", "json"}, &stdout, &stderr); code != cmd.ExitOK {
		t.Fatalf("nsx ls --ns -o json: exit %d, stderr %s", code, stderr.String())
	}
	var doc nsxNamespacesDoc
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("nsx ls --ns -o json output: %v\n%s", err, stdout.String())
	}
	return doc
}
