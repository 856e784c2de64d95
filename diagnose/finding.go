package diagnose

import "time"

// Severity is how bad a finding is; it sets the exit status of the
// diagnosing commands (DESIGN.md: 0 nothing wrong, 3 warning, 4 critical).
type Severity string

const (
	OK       Severity = "ok"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// ExitCode is the command's exit status for a finding of this severity.
func (s Severity) ExitCode() int {
	switch s {
	case Critical:
		return 4
	case Warning:
		return 3
	}
	return 0
}

// Evidence is one fact a finding rests on, with when it happened (if it
// is an event) and where nsx read it.
type Evidence struct {
	Time   *time.Time `json:"time,omitempty"`
	Text   string     `json:"text"`
	Source string     `json:"source,omitempty"`
}

// Finding is a check's conclusion: a stable code for scripts, a summary for
// people, and what to do about it.
type Finding struct {
	Code     string   `json:"code"`
	Number   int      `json:"number,omitempty"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Fix      []string `json:"-"`
}
