package cmd_test

import "time"

// The JSON of `nsx why-killed`, decoded into local types read from the
// documented contract, not from nsx's structs: a renamed or retyped field
// breaks the test as it would break a script.
type whyKilledKill struct {
	Time          *time.Time        `json:"time"`
	Monotonic     float64           `json:"monotonic"`
	PID           int               `json:"pid"`
	Comm          string            `json:"comm"`
	Kind          string            `json:"kind"`
	OOMMemcg      string            `json:"oomMemcg"`
	TaskMemcg     string            `json:"taskMemcg"`
	LimitBytes    *uint64           `json:"limitBytes"`
	UsageBytes    *uint64           `json:"usageBytes"`
	AnonRSSBytes  *uint64           `json:"anonRssBytes"`
	FileRSSBytes  *uint64           `json:"fileRssBytes"`
	ShmemRSSBytes *uint64           `json:"shmemRssBytes"`
	Stats         map[string]uint64 `json:"stats"`
	MainProcess   *bool             `json:"mainProcess"`
	Source        string            `json:"source"`
	AttributedBy  string            `json:"attributedBy"`
	// Container is only in --all's list.
	Container *struct {
		Runtime string `json:"runtime"`
		ID      string `json:"id"`
		Name    string `json:"name"`
	} `json:"container"`
}

type whyKilledCgroup struct {
	Path          string            `json:"path"`
	Controller    string            `json:"controller"`
	Version       int               `json:"version"`
	LimitBytes    *uint64           `json:"limitBytes"`
	UsageBytes    *uint64           `json:"usageBytes"`
	PeakBytes     *uint64           `json:"peakBytes"`
	Events        map[string]uint64 `json:"events"`
	Failcnt       *uint64           `json:"failcnt"`
	PidsLimit     *uint64           `json:"pidsLimit"`
	PidsCurrent   *uint64           `json:"pidsCurrent"`
	PidsEventsMax *uint64           `json:"pidsEventsMax"`
}

// whyKilledDoc is both documents: a TARGET's, and --all's (view "kills",
// kills and sources only).
type whyKilledDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	View          string `json:"view"`
	Target        struct {
		Kind      string        `json:"kind"`
		PID       int           `json:"pid"`
		Alive     bool          `json:"alive"`
		Comm      string        `json:"comm"`
		Container *containerDoc `json:"container"`
		Cgroup    string        `json:"cgroup"`
	} `json:"target"`
	Verdict struct {
		Code     string `json:"code"`
		Number   int    `json:"number"`
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
	} `json:"verdict"`
	Kills   []whyKilledKill `json:"kills"`
	LastRun *struct {
		StartedAt    *time.Time `json:"startedAt"`
		FinishedAt   *time.Time `json:"finishedAt"`
		ExitCode     *int       `json:"exitCode"`
		OOMKilled    bool       `json:"oomKilled"`
		RestartCount int        `json:"restartCount"`
	} `json:"lastRun"`
	Exit *struct {
		Code   int    `json:"code"`
		Signal string `json:"signal"`
	} `json:"exit"`
	Cgroups  []whyKilledCgroup `json:"cgroups"`
	Timeline []struct {
		Time   string `json:"time"`
		Text   string `json:"text"`
		Source string `json:"source"`
	} `json:"timeline"`
	Fix     []string `json:"fix"`
	Sources []struct {
		Name    string `json:"name"`
		Records int    `json:"records"`
	} `json:"sources"`
	Warnings []string `json:"warnings"`
}
