package diagnose

import (
	"slices"
	"sort"
	"time"

	"nsx/runtimes"
)

// KillSIGKILL is a container that died of SIGKILL with no OOM kill to
// explain it (only in the host's kill history).
const KillSIGKILL KillKind = "sigkill"

// KillHistory is every kill on the host since a time (zero: all), most
// recent first: the OOM killers' kills from the logs, each tied to the
// container its cgroup names (identify completes a container found from a
// cgroup path with its runtime's state: name, pod), and the containers
// the runtimes' state shows were SIGKILLed with no OOM kill at that time.
func KillHistory(kills []Kill, containers []*runtimes.Container, identify func(*runtimes.Container), since time.Time) []Kill {
	var out []Kill
	known := map[string]*runtimes.Container{}
	for _, c := range containers {
		known[c.ID] = c
	}
	for _, k := range kills {
		if !since.IsZero() && k.Time != nil && k.Time.Before(since) {
			continue
		}
		ref := ""
		c, own := containerOfCgroup(k.VictimCgroup())
		if c == nil {
			// A cgroup path no runtime convention names (docker
			// --cgroup-parent=/x gives /x/ID) still holds the ID.
			for _, kc := range containers {
				if belongsTo(k.VictimCgroup(), kc) {
					c, own = kc, ownCgroup(k.VictimCgroup(), kc.ID)
					break
				}
			}
		}
		if c != nil {
			if kc, ok := known[c.ID]; ok {
				c = kc
			} else if identify != nil {
				identify(c)
				known[c.ID] = c
			}
			k.Container = &Container{Runtime: c.Runtime, ID: c.ID, Name: c.DisplayName()}
			ref = own
		}
		classify(&k, ref)
		out = append(out, k)
	}
	for _, c := range containers {
		run := c.LastRun
		if c.State == "running" || run == nil || run.ExitCode == nil || *run.ExitCode != 128+9 || run.FinishedAt == nil {
			continue
		}
		if !since.IsZero() && run.FinishedAt.Before(since) {
			continue
		}
		explained := false
		for _, k := range out {
			if k.Container != nil && k.Container.ID == c.ID && k.Time != nil &&
				!k.Time.After(run.FinishedAt.Add(graceAfter)) && run.FinishedAt.Sub(*k.Time) <= exitNear {
				explained = true
				break
			}
		}
		if explained {
			continue
		}
		k := Kill{Time: run.FinishedAt, Kind: KillSIGKILL, MainProcess: true, Source: "runtime state",
			Container: &Container{Runtime: c.Runtime, ID: c.ID, Name: c.DisplayName()},
			Text:      "exited with code 137 (SIGKILL), no OOM report"}
		if run.OOMKilled {
			k.Kind, k.Text = KillUnknown, "exited with code 137, the runtime flagged OOMKilled; the kernel log read holds no report"
		}
		out = append(out, k)
	}
	// Most recent first, also among kills logged at the same moment (an
	// oom.group kill): reverse the oldest-first order, then sort.
	slices.Reverse(out)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Time, out[j].Time
		if a == nil || b == nil {
			return a != nil
		}
		return a.After(*b)
	})
	return out
}
