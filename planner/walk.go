package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walk calls fn for every message in the tree below m, parents before children. If
// fn returns false the message's children are skipped.
func walk(m proto.Message, fn func(protoreflect.Message) bool) {
	walkMsg(m.ProtoReflect(), fn)
}

func walkMsg(m protoreflect.Message, fn func(protoreflect.Message) bool) {
	if !m.IsValid() || !fn(m) {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkMsg(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil && !fd.IsMap():
			walkMsg(v.Message(), fn)
		}
		return true
	})
}

// walkNodes calls fn for every *pg.Node below m; fn may replace the node's content in
// place (node.Node = ...). Children of a replaced node are visited after replacement.
func walkNodes(m proto.Message, fn func(n *pg.Node)) {
	walk(m, func(pm protoreflect.Message) bool {
		if n, ok := pm.Interface().(*pg.Node); ok {
			fn(n)
		}
		return true
	})
}

// strVal returns the string of a String node, "" otherwise.
func strVal(n *pg.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

// names returns the strings of a list of String nodes (a qualified name).
func names(ns []*pg.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, strVal(n))
	}
	return out
}
