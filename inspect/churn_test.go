//go:build linux

package inspect_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"nsx/inspect"
)

// TestChurnScan scans while short-lived processes, some in namespaces of
// their own, start and exit around the scan: every scan must succeed and
// account for what it saw.
func TestChurnScan(t *testing.T) {
	requireLive(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var started atomic.Int64
	var wg sync.WaitGroup
	defer wg.Wait() // every churner reaped before the test returns, even on a failure
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				pause := fmt.Sprintf("0.0%d", rand.IntN(10))
				var c *exec.Cmd
				switch (worker + int(started.Load())) % 3 {
				case 0:
					c = exec.Command("sh", "-c", "sleep "+pause)
				case 1:
					c = exec.Command("unshare", "--net", "--uts", "sleep", pause)
				default:
					c = exec.Command("unshare", "--fork", "--pid", "--ipc", "sh", "-c", "sleep "+pause+" & wait")
				}
				if err := c.Start(); err != nil {
					continue
				}
				started.Add(1)
				_ = c.Wait()
			}
		}()
	}

	type scan struct {
		snap *inspect.Snapshot
		opts inspect.ScanOptions
	}
	var scans []scan
	vanished := 0
	for ctx.Err() == nil {
		for _, opts := range []inspect.ScanOptions{{}, {Tasks: true}} {
			snap := liveScan(t, opts)
			vanished += snap.Stats.Vanished
			scans = append(scans, scan{snap, opts})
		}
	}
	cancel()
	wg.Wait()
	t.Logf("%d scans during %d process starts; %d processes vanished mid-scan", len(scans), started.Load(), vanished)
	if len(scans) < 2 || started.Load() < 10 {
		t.Errorf("too little churn to mean anything: %d scans, %d processes", len(scans), started.Load())
	}

	t.Run("consistent", func(t *testing.T) {
		for _, sc := range scans {
			checkConsistent(t, sc.snap, sc.opts)
		}
	})
	// An exited but unreaped process (a zombie) still shows its pid and
	// user namespaces; the other links are gone. nsx keeps it in those
	// namespaces, as lsns counts it there, but it must not make a sandbox
	// of its own: it joins one that agrees with every namespace it has.
	t.Run("exiting processes join a fitting sandbox", func(t *testing.T) {
		exiting := 0
		for _, sc := range scans {
			for _, sb := range sc.snap.Sandboxes() {
				for _, typ := range inspect.AllNSTypes {
					if sb.NS[typ] == 0 && sc.snap.HostNS[typ] != 0 {
						t.Errorf("sandbox of PID %d has no %s namespace: %v", sb.Oldest, typ, sb.NS)
					}
				}
				for _, pid := range sb.PIDs {
					p := sc.snap.Processes[pid]
					if !p.Exiting {
						continue
					}
					exiting++
					for typ, ino := range p.NS {
						if ino != 0 && ino != sb.NS[typ] {
							t.Errorf("exiting process %d (%s) put in a sandbox whose %s namespace is %d, not its %d",
								pid, p.Comm, inspect.NSType(typ), sb.NS[typ], ino)
						}
					}
				}
			}
		}
		t.Logf("%d exiting processes seen across scans", exiting)
	})
}

// checkConsistent asserts what must hold for any scan, however much the
// host changed during it.
func checkConsistent(t *testing.T, snap *inspect.Snapshot, opts inspect.ScanOptions) {
	t.Helper()
	if snap.Stats.Processes != len(snap.Processes) {
		t.Errorf("Stats.Processes %d, but %d processes", snap.Stats.Processes, len(snap.Processes))
	}
	if snap.Stats.Vanished < 0 || snap.Stats.Hidden < 0 {
		t.Errorf("negative counts: %+v", snap.Stats)
	}
	if !opts.Tasks && snap.Stats.Tasks != 0 {
		t.Errorf("Stats.Tasks %d without Tasks", snap.Stats.Tasks)
	}
	if snap.HostNS == (inspect.NSSet{}) {
		t.Errorf("no host namespaces")
	}
	// Each scanned process is listed in the one namespace of each type it
	// was seen in, so the members of each type add up to the processes
	// with that type known.
	var members [inspect.NumNSTypes]int
	for id, n := range snap.Namespaces {
		if id.Type < 0 || id.Type >= inspect.NumNSTypes || n.Type != id.Type || id.Inode == 0 || n.Inode != id.Inode {
			t.Errorf("namespace %v keyed as %v", n, id)
			continue
		}
		if len(n.HeldBy) == 0 {
			t.Errorf("%s has no holder", id)
		}
		for _, pid := range n.PIDs {
			p := snap.Processes[pid]
			if p == nil {
				t.Errorf("%s lists process %d, which the scan did not keep", id, pid)
			} else if p.NS[id.Type] != id.Inode {
				t.Errorf("%s lists process %d, which is in %d", id, pid, p.NS[id.Type])
			}
		}
		members[id.Type] += len(n.PIDs)
	}
	var known [inspect.NumNSTypes]int
	for _, p := range snap.Processes {
		for _, typ := range inspect.AllNSTypes {
			if p.NS[typ] != 0 {
				known[typ]++
			}
		}
	}
	if members != known {
		t.Errorf("namespace members per type %v, processes with that type known %v", members, known)
	}
	seen := 0
	for _, sb := range snap.Sandboxes() {
		seen += len(sb.PIDs)
	}
	// Every running process is in a sandbox; an exiting one only if a
	// sandbox of running processes fits it.
	running := 0
	for _, p := range snap.Processes {
		if !p.Exiting {
			running++
		}
	}
	if seen < running || seen > len(snap.Processes) {
		t.Errorf("sandboxes hold %d processes; the scan has %d, %d of them running", seen, len(snap.Processes), running)
	}
}
