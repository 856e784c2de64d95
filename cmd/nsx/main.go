// Command nsx sees and enters the namespaces, containers and cgroups of a
// Linux host. See README.md.
package main

import (
	"os"

	"nsx/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
