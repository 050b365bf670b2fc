package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
)

// scanRef is one reference to a lake table in a statement: it becomes one scan.
type scanRef struct {
	placeholder string
	cat         *catalog.Catalog
	ref         catalog.TableRef
	alias       string          // the name columns are qualified with
	table       *table.Table    // as loaded while analysing (schema for Describe)
	version     string          // after '@' in the name: snapshot id, branch, tag or time; "" for none
	meta        string          // after '$' in the name: a metadata table kind; "" for the table's rows
	schema      *iceberg.Schema // columns clients see: of the version read, or nil for a metadata table
	nullable    bool            // on the nullable side of an outer join: predicates are not pushed
	conjuncts   []*pg.Node      // WHERE conjuncts that reference only this table's columns and constants
	lineage     bool            // the statement reads its row lineage columns (lineage.go)
}

// systemSchemas are answered by the engine's catalog relations, not by the lake.
var systemSchemas = map[string]bool{"pg_catalog": true, "information_schema": true}

// resolveTables replaces every lake table reference in the tree with a placeholder
// relation name, and returns one scanRef per reference.
func (s *Session) resolveTables(ctx context.Context, root *pg.Node) ([]*scanRef, error) {
	ctes := cteNames(root)
	var refs []*scanRef
	var firstErr error
	walk(root, func(m protoreflect.Message) bool {
		if firstErr != nil {
			return false
		}
		rv, ok := m.Interface().(*pg.RangeVar)
		if !ok {
			return true
		}
		if rv.Schemaname == "" && rv.Catalogname == "" && ctes[rv.Relname] {
			return false
		}
		if systemSchemas[rv.Schemaname] || rv.Schemaname == "" && rv.Catalogname == "" && strings.HasPrefix(rv.Relname, "pg_") {
			s.g.syncIfStale(ctx)
			if (rv.Schemaname == "" || rv.Schemaname == "pg_catalog") && s.g.pgRels[rv.Relname] {
				rv.Schemaname = pgSchema
			}
			return false
		}
		ref, err := s.lookupTable(ctx, rv)
		if err != nil {
			firstErr = err
			return false
		}
		ref.placeholder = fmt.Sprintf("lakegate_scan_%d_", len(refs)+1)
		if rv.Alias != nil {
			ref.alias = rv.Alias.Aliasname
		} else {
			ref.alias = rv.Relname
			rv.Alias = &pg.Alias{Aliasname: rv.Relname}
		}
		rv.Catalogname, rv.Schemaname, rv.Relname = "", "", ref.placeholder
		refs = append(refs, ref)
		return false
	})
	if firstErr != nil {
		return nil, firstErr
	}
	if err := markLineage(root, refs); err != nil {
		return nil, err
	}
	return refs, nil
}

func cteNames(root *pg.Node) map[string]bool {
	out := map[string]bool{}
	walk(root, func(m protoreflect.Message) bool {
		if c, ok := m.Interface().(*pg.CommonTableExpr); ok {
			out[c.Ctename] = true
		}
		return true
	})
	return out
}

// lookupTable resolves a table name as PostgreSQL does: db.schema.table,
// schema.table, or table through search_path. A name with a version ("t@v") or a
// metadata table ("t$snapshots") resolves to its base table; a table whose real name
// contains '@' or '$' is still found by that name.
func (s *Session) lookupTable(ctx context.Context, rv *pg.RangeVar) (*scanRef, error) {
	cat := s.db
	if rv.Catalogname != "" && rv.Catalogname != s.db.Database {
		other, ok := s.g.catalogs[rv.Catalogname]
		if !ok {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "cross-database references are not implemented: %s.%s.%s",
				rv.Catalogname, rv.Schemaname, rv.Relname)
		}
		cat = other
	}
	base, version, meta := splitTableName(rv.Relname)
	r, err := s.findTable(ctx, cat, rv.Schemaname, base)
	if err != nil && base != rv.Relname && pgerr.Code(err) == pgerr.UndefinedTable {
		if whole, err2 := s.findTable(ctx, cat, rv.Schemaname, rv.Relname); err2 == nil {
			r, err, version, meta = whole, nil, "", ""
		} else if pgerr.Code(err2) == pgerr.UndefinedTable {
			err = err2
		}
	}
	if err != nil {
		return nil, err
	}
	r.version, r.meta = version, meta
	if meta == "" || version != "" {
		v, err := s.resolveVersion(r, r.table)
		if err != nil {
			return nil, err
		}
		if meta == "" {
			r.schema = v.schema
		}
	}
	return r, nil
}

func (s *Session) findTable(ctx context.Context, cat *catalog.Catalog, schema, name string) (*scanRef, error) {
	if schema != "" {
		ref := catalog.TableRef{Namespace: schema, Name: name}
		t, err := s.analysisTable(ctx, cat, ref)
		if err != nil {
			return nil, err
		}
		return &scanRef{cat: cat, ref: ref, table: t}, nil
	}
	for _, ns := range s.settings.SearchPath() {
		if systemSchemas[ns] {
			continue
		}
		ref := catalog.TableRef{Namespace: ns, Name: name}
		t, err := s.analysisTable(ctx, cat, ref)
		if err == nil {
			return &scanRef{cat: cat, ref: ref, table: t}, nil
		}
		if pgerr.Code(err) != pgerr.UndefinedTable {
			return nil, err
		}
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", name)
}

// analysisTable loads a table to describe a statement: the transaction's pinned
// metadata if there is one, so the described columns are those the run will read.
func (s *Session) analysisTable(ctx context.Context, cat *catalog.Catalog, ref catalog.TableRef) (*table.Table, error) {
	if t := s.pinnedTable(cat, ref); t != nil {
		return t, nil
	}
	return cat.LoadTable(ctx, ref)
}

// hasColumn reports whether the relation the reference reads has a column.
func (r *scanRef) hasColumn(name string) bool {
	if r.meta != "" {
		return slices.ContainsFunc(metaTables[r.meta].columns, func(c metaColumn) bool { return c.name == name })
	}
	f, ok := r.schema.FindFieldByName(name)
	// Row lineage columns are not pushed into pruning nor answered by lookups.
	return ok && !iceberg.IsMetadataColumn(f.ID)
}

// collectConjuncts attaches WHERE conjuncts to the scans they constrain, for every
// SELECT level in the tree.
func collectConjuncts(root *pg.Node, refs []*scanRef) {
	byName := map[string]*scanRef{}
	for _, r := range refs {
		byName[r.placeholder] = r
	}
	walk(root, func(m protoreflect.Message) bool {
		sel, ok := m.Interface().(*pg.SelectStmt)
		if !ok {
			return true
		}
		var items []*scanRef
		allLake := true
		for _, f := range sel.FromClause {
			fromItems(f, false, byName, &items, &allLake)
		}
		pushIntoSubqueries(root, sel, byName)
		if len(items) == 0 {
			return true
		}
		for _, c := range splitAnd(sel.WhereClause) {
			if r := conjunctTable(c, items, allLake); r != nil && !r.nullable {
				r.conjuncts = append(r.conjuncts, c)
			}
		}
		propagateEqualities(sel, items, allLake)
		return true
	})
}

func fromItems(n *pg.Node, nullable bool, byName map[string]*scanRef, out *[]*scanRef, allLake *bool) {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		if r, ok := byName[x.RangeVar.Relname]; ok {
			r.nullable = r.nullable || nullable
			*out = append(*out, r)
			return
		}
		*allLake = false
	case *pg.Node_JoinExpr:
		j := x.JoinExpr
		ln, rn := nullable, nullable
		switch j.Jointype {
		case pg.JoinType_JOIN_LEFT:
			rn = true
		case pg.JoinType_JOIN_RIGHT:
			ln = true
		case pg.JoinType_JOIN_FULL:
			ln, rn = true, true
		}
		fromItems(j.Larg, ln, byName, out, allLake)
		fromItems(j.Rarg, rn, byName, out, allLake)
	default:
		*allLake = false
	}
}

func splitAnd(n *pg.Node) []*pg.Node {
	if b := n.GetBoolExpr(); b != nil && b.Boolop == pg.BoolExprType_AND_EXPR {
		var out []*pg.Node
		for _, a := range b.Args {
			out = append(out, splitAnd(a)...)
		}
		return out
	}
	return []*pg.Node{n}
}

// conjunctTable returns the one scan all column references of c belong to, or nil.
func conjunctTable(c *pg.Node, items []*scanRef, allLake bool) *scanRef {
	var owner *scanRef
	ok := true
	walk(c, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.SubLink, *pg.FuncCall:
			ok = false // subqueries and functions are not pushed
		case *pg.ColumnRef:
			r := columnOwner(x, items, allLake)
			if r == nil || (owner != nil && owner != r) {
				ok = false
			}
			owner = r
		}
		return ok
	})
	if !ok {
		return nil
	}
	return owner
}

func columnOwner(cr *pg.ColumnRef, items []*scanRef, allLake bool) *scanRef {
	f := names(cr.Fields)
	switch len(f) {
	case 1:
		if !allLake {
			return nil
		}
		var found *scanRef
		for _, r := range items {
			if r.hasColumn(f[0]) {
				if found != nil {
					return nil
				}
				found = r
			}
		}
		return found
	case 2:
		i := slices.IndexFunc(items, func(r *scanRef) bool { return r.alias == f[0] })
		if i >= 0 && items[i].hasColumn(f[1]) {
			return items[i]
		}
	}
	return nil
}
