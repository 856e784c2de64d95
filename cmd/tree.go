package cmd

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"nsx/inspect"
)

// treeNode is one namespace in the user-ownership or pid-parent tree.
type treeNode struct {
	Type     inspect.NSType      `json:"type"`
	Inode    uint64              `json:"inode"`
	Mapping  inspect.UserMapping `json:"mapping,omitempty"`
	OwnerUID *uint32             `json:"ownerUid,omitempty"`
	HeldBy   []inspect.Holder    `json:"heldBy"`
	// Sandboxes in (or owning namespaces through) this namespace.
	Sandboxes []treeLeaf `json:"sandboxes"`
	// Owns: for a user namespace, the non-user namespaces it owns that no
	// sandbox is in (held by an fd, a bind mount or a thread).
	Owns     []treeOwned `json:"owns,omitempty"`
	Children []*treeNode `json:"children"`
}

type treeLeaf struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	// Types of the sandbox's namespaces that this user namespace owns
	// (user tree only).
	Owned []string `json:"owned,omitempty"`
}

type treeOwned struct {
	Type   inspect.NSType   `json:"type"`
	Inode  uint64           `json:"inode"`
	HeldBy []inspect.Holder `json:"heldBy"`
}

// buildTree links namespaces of type t to their parent (pid: NS_GET_PARENT,
// user: the owner, which for a user namespace is its parent).
func (v *lsView) buildTree(t inspect.NSType) []*treeNode {
	v.needSandboxes()
	nodes := map[uint64]*treeNode{}
	for _, n := range v.snap.SortedNamespaces() {
		if n.Type != t {
			continue
		}
		tn := &treeNode{Type: t, Inode: n.Inode, HeldBy: n.HeldBy, Sandboxes: []treeLeaf{}, Children: []*treeNode{}}
		if t == inspect.UserNS {
			tn.Mapping, tn.OwnerUID = v.snap.UserMapping(n.Inode), n.OwnerUID
		}
		nodes[n.Inode] = tn
	}
	// Leaves.
	for i, sb := range v.sandboxes {
		if !v.keep[i] {
			continue
		}
		leafFor := func(ino uint64, owned []string) {
			if tn := nodes[ino]; tn != nil {
				tn.Sandboxes = append(tn.Sandboxes, treeLeaf{Name: v.sandboxLabel(sb), PID: sb.Oldest, Owned: owned})
			}
		}
		if t == inspect.PIDNS {
			leafFor(sb.NS[inspect.PIDNS], nil)
			continue
		}
		// A sandbox appears under every user namespace that owns one of
		// its namespaces; its own user namespace "owns" its "user" entry.
		owned := map[uint64][]string{}
		for _, typ := range inspect.AllNSTypes {
			ino := sb.NS[typ]
			// The host's own namespaces are listed once, on the host's
			// leaf; on a container's leaf they would only repeat it.
			if ino == 0 || (!sb.IsHost && sb.Scope[typ] == inspect.ScopeHost) {
				continue
			}
			owner := sb.NS[inspect.UserNS]
			if typ != inspect.UserNS {
				if n := v.snap.Namespace(typ, ino); n != nil && n.Owner != 0 {
					owner = n.Owner
				}
			}
			owned[owner] = append(owned[owner], typ.String())
		}
		for owner, types := range owned {
			leafFor(owner, types)
		}
	}
	// Namespaces no sandbox is in, listed under their owner.
	if t == inspect.UserNS {
		inSandbox := map[inspect.NSID]bool{}
		for _, sb := range v.sandboxes {
			for typ, ino := range sb.NS {
				inSandbox[inspect.NSID{Type: inspect.NSType(typ), Inode: ino}] = true
			}
		}
		for _, n := range v.snap.SortedNamespaces() {
			if n.Type == inspect.UserNS || inSandbox[n.ID()] || n.Owner == 0 || nodes[n.Owner] == nil {
				continue
			}
			if v.keepNS != nil && !v.keepNS[n.ID()] {
				continue
			}
			nodes[n.Owner].Owns = append(nodes[n.Owner].Owns, treeOwned{Type: n.Type, Inode: n.Inode, HeldBy: n.HeldBy})
		}
	}
	var roots []*treeNode
	for _, n := range v.snap.SortedNamespaces() {
		if n.Type != t {
			continue
		}
		tn := nodes[n.Inode]
		if parent := nodes[n.Parent]; n.Parent != 0 && parent != nil {
			parent.Children = append(parent.Children, tn)
		} else {
			roots = append(roots, tn)
		}
	}
	// With targets, drop branches that lead to no shown sandbox.
	if v.keepNS != nil {
		roots = prune(roots)
	}
	for _, tn := range nodes {
		sort.Slice(tn.Sandboxes, func(i, j int) bool { return tn.Sandboxes[i].PID < tn.Sandboxes[j].PID })
	}
	return roots
}

func prune(nodes []*treeNode) []*treeNode {
	var out []*treeNode
	for _, n := range nodes {
		n.Children = prune(n.Children)
		if len(n.Sandboxes) > 0 || len(n.Children) > 0 || len(n.Owns) > 0 {
			out = append(out, n)
		}
	}
	return out
}

func (v *lsView) sandboxLabel(sb *inspect.Sandbox) string {
	name := v.sandboxName(sb)
	if sb.Container != nil && !sb.IsHost {
		return fmt.Sprintf("%s (%s %s)", name, sb.Container.Runtime, sb.Container.ShortID())
	}
	return name
}

func (v *lsView) renderTree(w io.Writer) error {
	users, pids := v.buildTree(inspect.UserNS), v.buildTree(inspect.PIDNS)
	if v.g.output == "json" {
		return writeJSON(w, struct {
			SchemaVersion int         `json:"schemaVersion"`
			View          string      `json:"view"`
			Scan          scanJSON    `json:"scan"`
			UserTree      []*treeNode `json:"userTree"`
			PIDTree       []*treeNode `json:"pidTree"`
			Warnings      []string    `json:"warnings"`
		}{SchemaVersion, "tree", v.scanInfo(), users, pids, v.warnings()})
	}
	var b strings.Builder
	if !v.g.noHeaders {
		b.WriteString(paint(v.color, ansiBold, "USER NAMESPACES (ownership)") + "\n")
	}
	for _, r := range users {
		v.writeNode(&b, r, "", "")
	}
	if !v.g.noHeaders {
		b.WriteString("\n" + paint(v.color, ansiBold, "PID NAMESPACES (parent)") + "\n")
	}
	for _, r := range pids {
		v.writeNode(&b, r, "", "")
	}
	out := b.String()
	if v.term.width > 0 {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		for i, l := range lines {
			lines[i] = cutToWidth(l, v.term.width)
		}
		out = strings.Join(lines, "\n") + "\n"
	}
	_, err := io.WriteString(w, out)
	return err
}

// writeNode prints a node and its subtree with box-drawing branches:
// sandboxes first, then namespaces held otherwise, then child namespaces.
func (v *lsView) writeNode(b *strings.Builder, n *treeNode, first, rest string) {
	b.WriteString(first + paint(v.color, ansiCyan, fmt.Sprintf("%s %d", n.Type, n.Inode)) + v.nodeNote(n) + "\n")
	type item struct {
		line  string
		child *treeNode
	}
	var items []item
	for _, l := range n.Sandboxes {
		s := fmt.Sprintf("%s  pid %d", l.Name, l.PID)
		if len(l.Owned) > 0 {
			s += "  [" + strings.Join(l.Owned, " ") + "]"
		}
		items = append(items, item{line: s})
	}
	for _, o := range n.Owns {
		items = append(items, item{line: paint(v.color, ansiDim, fmt.Sprintf("%s %d  held by %s", o.Type, o.Inode, holders(o.HeldBy, ", ")))})
	}
	for _, c := range n.Children {
		items = append(items, item{child: c})
	}
	for i, it := range items {
		branch, indent := "├─ ", "│  "
		if i == len(items)-1 {
			branch, indent = "└─ ", "   "
		}
		if it.child != nil {
			v.writeNode(b, it.child, rest+branch, rest+indent)
			continue
		}
		b.WriteString(rest + branch + it.line + "\n")
	}
}

func (v *lsView) nodeNote(n *treeNode) string {
	var parts []string
	if n.Type == inspect.UserNS && n.Mapping != "" {
		parts = append(parts, string(n.Mapping))
	}
	if n.OwnerUID != nil {
		parts = append(parts, "creator "+v.userName(int(*n.OwnerUID)))
	}
	if len(n.Sandboxes) == 0 && len(n.HeldBy) > 0 {
		parts = append(parts, "held by "+holders(n.HeldBy, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  (" + strings.Join(parts, ", ") + ")"
}
