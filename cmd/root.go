package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"nsx/inspect"
)

// Exit codes (DESIGN.md, "Output and exit codes").
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitWarning  = 3
	ExitCritical = 4
)

// Version is set at build time with -ldflags "-X nsx/cmd.Version=...".
var Version = "dev"

// globalOptions are the flags every command shares.
type globalOptions struct {
	hostRoot  string
	output    string
	noHeaders bool
	color     string
	stdoutTTY func() bool // nil: the real check on the writer
}

// usageError marks a bad-usage error, which exits with ExitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// NewRootCmd builds the nsx command tree.
func NewRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "nsx",
		Short: "See and enter the namespaces, containers and cgroups of a Linux host",
		Long: `nsx maps which processes share which namespaces, which container each belongs
to, and what holds each namespace alive. It reads /proc and the runtimes' state
on disk directly: no daemon is needed, and nothing is written.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// A bare "nsx" prints help; "nsx frobnicate" is bad usage. Without
		// a RunE cobra would print help for both and exit 0.
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.hostRoot, "host-root", "/", "read the host mounted at `DIR` (e.g. /host in a debug container)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	pf.BoolVar(&g.noHeaders, "no-headers", false, "omit table headers (for scripts)")
	pf.StringVar(&g.color, "color", "auto", "colour: auto (only on a terminal), always or never")
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		switch g.output {
		case "table", "json":
		default:
			return usagef("--output %q: want table or json", g.output)
		}
		switch g.color {
		case "auto", "always", "never":
		default:
			return usagef("--color %q: want auto, always or never", g.color)
		}
		return nil
	}
	root.AddCommand(newLsCmd(g), newCgroupCmd(g), newTopCmd(g), newEnterCmd(g), newWhyKilledCmd(g), newVersionCmd())
	return root
}

// Main runs nsx with args and returns its exit code. Errors are printed
// once, here, as "nsx: ...".
func Main(args []string, stdout, stderr io.Writer) int {
	root := NewRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ec exitCodeError
	if errors.As(err, &ec) && ec.err == nil {
		return ec.code
	}
	fmt.Fprintf(stderr, "nsx: %v\n", err)
	return exitCode(err)
}

// exitCodeError carries a command's exit code; with a nil err nothing more
// is printed (the command has reported already).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e exitCodeError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue usageError
	var ec exitCodeError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ec):
		return ec.code
	// cobra reports unknown commands and argument-count errors as plain
	// errors with no type to match; their text is its stable API.
	case strings.HasPrefix(err.Error(), "unknown command"),
		strings.Contains(err.Error(), "accepts ") && strings.Contains(err.Error(), " arg(s)"),
		strings.HasPrefix(err.Error(), "unknown shorthand flag"),
		strings.HasPrefix(err.Error(), "unknown flag"):
		return ExitUsage
	}
	return ExitError
}

// host opens the host root named by --host-root.
func (g *globalOptions) host() (inspect.Host, error) {
	return inspect.NewHost(g.hostRoot)
}
