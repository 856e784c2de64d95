// Command genkernlog writes a synthetic kern.log for the why-killed speed
// benchmark (bench/why-killed.sh): OOM reports of Docker containers, of
// Kubernetes pods and of the whole host, among ordinary kernel lines, in the
// traditional rsyslog form. The output is deterministic for a given seed.
//
//	go run ./bench/genkernlog -o /tmp/kern.log -size 64MiB -events 1000
//
// It prints the number of reports and of lines written to stderr.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"nsx/killlog"
)

func main() {
	out := flag.String("o", "", "file to write (required)")
	size := flag.String("size", "64MiB", "file size: bytes, or a number with KiB, MiB or GiB")
	events := flag.Int("events", 1000, "OOM reports to write")
	seed := flag.Uint64("seed", 1, "random seed")
	host := flag.String("host", "node1", "syslog host name")
	flag.Parse()
	if err := run(*out, *size, *events, *seed, *host); err != nil {
		fmt.Fprintln(os.Stderr, "genkernlog:", err)
		os.Exit(1)
	}
}

func run(out, sizeArg string, events int, seed uint64, host string) error {
	if out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	size, err := parseSize(sizeArg)
	if err != nil {
		return err
	}
	if events < 1 {
		return fmt.Errorf("-events %d: want at least 1", events)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	kills, err := killlog.WriteSynthKernLog(f, killlog.SynthOptions{Size: size, Events: events, Seed: seed, Host: host})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	lines, err := countLines(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genkernlog: %s: %d bytes, %d lines, %d OOM reports\n", out, st.Size(), lines, len(kills))
	return nil
}

// parseSize reads "67108864", "64MiB", "512KiB" or "1GiB".
func parseSize(s string) (int64, error) {
	mult := int64(1)
	num := s
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			num, mult = n, m
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("-size %q: want a positive number of bytes, KiB, MiB or GiB", s)
	}
	return n * mult, nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}
