package cmd

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"golang.org/x/sys/unix"
)

// SchemaVersion is the version of every JSON document nsx prints. It
// changes only when a field changes meaning or goes away; new fields may
// appear without a change.
const SchemaVersion = 1

// terminal describes the output stream.
type terminal struct {
	isTTY bool
	width int // columns; 0 when not a terminal
}

func detectTerminal(w io.Writer) terminal {
	f, ok := w.(*os.File)
	if !ok {
		return terminal{}
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return terminal{}
	}
	return terminal{isTTY: true, width: int(ws.Col)}
}

// colorOn decides --color auto|always|never.
func (g *globalOptions) colorOn(term terminal) bool {
	switch g.color {
	case "always":
		return true
	case "never":
		return false
	}
	return term.isTTY && os.Getenv("NO_COLOR") == ""
}

const (
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

func paint(on bool, code, s string) string {
	if !on || s == "" {
		return s
	}
	return code + s + ansiReset
}

// writeJSON prints one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table renders rows as plain aligned columns, the way ps and lsns print,
// with no borders so that scripts can split on whitespace. On a terminal the
// last column is cut to the terminal's width, as lsns does; elsewhere it is
// kept whole.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) append(row ...string) { t.rows = append(t.rows, row) }

func (t *table) render(w io.Writer, noHeaders bool, term terminal, color bool) error {
	var buf bytes.Buffer
	pad := tw.CellPadding{Global: tw.Padding{Left: "", Right: "  ", Overwrite: true}}
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
				Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
				Padding:    pad,
			},
			Row: tw.CellConfig{
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
				Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone},
				Padding:    pad,
			},
		}),
	)
	if !noHeaders {
		tbl.Header(t.header)
	}
	for _, r := range t.rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	if len(t.rows) == 0 && noHeaders {
		return nil
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	var out strings.Builder
	for i, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		line = strings.TrimRight(line, " ")
		if term.width > 0 {
			line = cutToWidth(line, term.width)
		}
		if i == 0 && !noHeaders {
			line = paint(color, ansiBold, line)
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// cutToWidth shortens s to at most width runes (table text is ASCII apart
// from command lines, so runes are a fair measure of columns).
func cutToWidth(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	return string(r[:width-1]) + "…"
}

// nonNil makes a nil list an empty one, so that JSON prints [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
