// Package cmd is nsx's command-line interface: the only importer of cobra.
// It owns flags, rendering (table, tree, JSON) and exit codes; the model it
// renders comes from package inspect.
package cmd
