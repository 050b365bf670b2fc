package planner

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/wire"
)

// PostgreSQL's RowDescription names, for a result column that is a plain reference
// to a table column (directly or through subqueries and CTEs that pass it on), the
// table's pg_class oid and the column's attnum; pgjdbc's ResultSetMetaData
// (getTableName, isNullable) and BI result grids look those up. Lake tables appear in
// pg_class as their DuckDB shadow tables (shadow.go), so the numbers come from there.

// columnSource is the lake table column a result column passes on unchanged.
type columnSource struct {
	namespace, table, column string
}

// relColumn is one output column of a relation in a FROM clause or a query.
type relColumn struct {
	name   string
	src    *columnSource // nil: not a plain lake table column
	pgType uint32        // PostgreSQL's type of a catalog relation's column; 0 otherwise
}

// fromItem is a relation visible in a FROM clause under an alias.
type fromItem struct {
	alias         string
	cols          []relColumn
	unknown       bool // columns not known here (catalog relation, function)
	qualifiedOnly bool // reachable only as alias.column (inputs of a USING join)
	// pgTypes are the oid and name columns of a catalog relation (of unknown columns).
	pgTypes map[string]uint32
}

// withSources fills TableOID and ColumnNumber of the fields a query describes, for
// the columns that are plain lake table columns. Any doubt leaves a field at 0.
func (q *queryStmt) withSources(fields []wire.Field) []wire.Field {
	cols := templateSources(q.template, q.scans)
	if len(cols) != len(fields) {
		return fields
	}
	srcs := make([]*columnSource, len(cols))
	for i, c := range cols {
		srcs[i] = c.src
		setCatalogType(&fields[i], c.pgType)
	}
	ids := q.s.g.shadowColumns(context.Background(), srcs)
	for i, s := range srcs {
		if s == nil {
			continue
		}
		if id, ok := ids[*s]; ok {
			fields[i].TableOID, fields[i].ColumnNumber = id.table, id.attnum
		}
	}
	return fields
}

// setCatalogType describes a catalog column of type oid or name as PostgreSQL does,
// where the engine's column (BIGINT, VARCHAR) can be sent as that type. "char" is
// left as text: its binary form of the empty value is one zero byte, which the wire
// layer does not send.
func setCatalogType(f *wire.Field, oid uint32) {
	switch {
	case oid == wire.OIDOid && (f.TypeOID == wire.OIDInt8 || f.TypeOID == wire.OIDInt4 || f.TypeOID == wire.OIDInt2):
		f.TypeOID, f.TypeSize, f.TypeMod = wire.OIDOid, 4, -1
	case oid == wire.OIDName && (f.TypeOID == wire.OIDText || f.TypeOID == wire.OIDVarchar):
		f.TypeOID, f.TypeSize, f.TypeMod = wire.OIDName, 64, -1
	}
}

// runFields are the fields of a result: the engine's types, and the sources and
// catalog types the statement's describe found. A statement run without a describe
// (COPY, DECLARE) is not described for this: its columns keep 0, 0.
func (q *queryStmt) runFields(schema *arrow.Schema) []wire.Field {
	out := fieldsFor(schema)
	if q.desc == nil || len(q.fields) != len(out) {
		return out
	}
	for i := range out {
		out[i].TableOID, out[i].ColumnNumber = q.fields[i].TableOID, q.fields[i].ColumnNumber
		if d := q.fields[i].TypeOID; d == wire.OIDOid || d == wire.OIDName {
			setCatalogType(&out[i], d)
		}
	}
	return out
}

// templateSources parses the resolved statement (lake tables are placeholders) and
// returns each output column with its source, or nil when the columns are not known.
func templateSources(template string, scans []*scanRef) []relColumn {
	tree, err := pg.Parse(template)
	if err != nil || len(tree.Stmts) != 1 {
		return nil
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil {
		return nil
	}
	byName := make(map[string]*scanRef, len(scans))
	for _, r := range scans {
		byName[r.placeholder] = r
	}
	cols, ok := selectColumns(sel, map[string][]relColumn{}, byName)
	if !ok {
		return nil
	}
	return cols
}

// selectColumns returns the output columns of a query; ok is false when their number
// is not known.
func selectColumns(sel *pg.SelectStmt, outer map[string][]relColumn, scans map[string]*scanRef) ([]relColumn, bool) {
	ctes := outer
	if w := sel.WithClause; w != nil {
		ctes = make(map[string][]relColumn, len(outer)+len(w.Ctes))
		for k, v := range outer {
			ctes[k] = v
		}
		for _, n := range w.Ctes {
			c := n.GetCommonTableExpr()
			if c == nil {
				continue
			}
			q := c.Ctequery.GetSelectStmt()
			if w.Recursive || q == nil {
				delete(ctes, c.Ctename) // shadows an outer CTE of the name; unknown columns
				continue
			}
			cols, ok := selectColumns(q, ctes, scans)
			if !ok {
				delete(ctes, c.Ctename)
				continue
			}
			ctes[c.Ctename] = renamed(cols, names(c.Aliascolnames))
		}
	}
	if sel.Op != pg.SetOperation_SETOP_NONE {
		// Set operations combine columns: PostgreSQL names no source for them.
		cols, ok := selectColumns(sel.Larg, ctes, scans)
		return stripSources(cols), ok
	}
	if len(sel.ValuesLists) > 0 {
		if l := sel.ValuesLists[0].GetList(); l != nil {
			return make([]relColumn, len(l.Items)), true
		}
		return nil, false
	}
	var items []*fromItem
	for _, f := range sel.FromClause {
		items = append(items, fromItemsOf(f, ctes, scans)...)
	}
	var out []relColumn
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil {
			return nil, false
		}
		cr := rt.Val.GetColumnRef()
		if cr == nil {
			out = append(out, relColumn{name: rt.Name})
			continue
		}
		f := cr.Fields
		if len(f) > 0 && f[len(f)-1].GetAStar() != nil {
			cols, ok := starColumns(names(f[:len(f)-1]), items)
			if !ok {
				return nil, false
			}
			out = append(out, cols...)
			continue
		}
		col := resolveColumn(names(f), items)
		col.name = rt.Name
		if col.name == "" && len(f) > 0 {
			col.name = strVal(f[len(f)-1])
		}
		out = append(out, col)
	}
	return out, true
}

// fromItemsOf returns the relations a FROM clause entry makes visible.
func fromItemsOf(n *pg.Node, ctes map[string][]relColumn, scans map[string]*scanRef) []*fromItem {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		rv := x.RangeVar
		alias, colnames := rv.Relname, []string(nil)
		if rv.Alias != nil {
			alias, colnames = rv.Alias.Aliasname, names(rv.Alias.Colnames)
		}
		if r, ok := scans[rv.Relname]; ok && rv.Schemaname == "" {
			return []*fromItem{{alias: alias, cols: renamed(scanColumns(r), colnames)}}
		}
		if cols, ok := ctes[rv.Relname]; ok && rv.Schemaname == "" && rv.Catalogname == "" {
			return []*fromItem{{alias: alias, cols: renamed(cols, colnames)}}
		}
		it := &fromItem{alias: alias, unknown: true}
		if rv.Schemaname == pgSchema && len(colnames) == 0 {
			it.pgTypes = catalogColumnTypes(rv.Relname)
		}
		return []*fromItem{it}
	case *pg.Node_RangeSubselect:
		rs := x.RangeSubselect
		alias, colnames := "", []string(nil)
		if rs.Alias != nil {
			alias, colnames = rs.Alias.Aliasname, names(rs.Alias.Colnames)
		}
		if q := rs.Subquery.GetSelectStmt(); q != nil {
			if cols, ok := selectColumns(q, ctes, scans); ok {
				return []*fromItem{{alias: alias, cols: renamed(cols, colnames)}}
			}
		}
		return []*fromItem{{alias: alias, unknown: true}}
	case *pg.Node_JoinExpr:
		return joinItems(x.JoinExpr, ctes, scans)
	case *pg.Node_RangeFunction:
		alias := ""
		if a := x.RangeFunction.Alias; a != nil {
			alias = a.Aliasname
		}
		return []*fromItem{{alias: alias, unknown: true}}
	}
	return []*fromItem{{unknown: true}}
}

// joinItems are the relations of a join. A join with USING or NATURAL merges the
// common columns (first, once); a join with an alias hides its inputs' names.
func joinItems(j *pg.JoinExpr, ctes map[string][]relColumn, scans map[string]*scanRef) []*fromItem {
	left := fromItemsOf(j.Larg, ctes, scans)
	right := fromItemsOf(j.Rarg, ctes, scans)
	merging := len(j.UsingClause) > 0 || j.IsNatural
	if !merging && j.Alias == nil {
		return append(left, right...)
	}
	lcols, lok := starColumns(nil, left)
	rcols, rok := starColumns(nil, right)
	combined := &fromItem{unknown: !lok || !rok}
	if !combined.unknown {
		var using []string
		if j.IsNatural {
			for _, l := range lcols {
				for _, r := range rcols {
					if l.name == r.name {
						using = append(using, l.name)
						break
					}
				}
			}
		} else {
			using = names(j.UsingClause)
		}
		merged := map[string]bool{}
		for _, u := range using {
			merged[u] = true
			c := relColumn{name: u}
			switch j.Jointype {
			case pg.JoinType_JOIN_INNER, pg.JoinType_JOIN_LEFT:
				c.src = columnNamed(lcols, u)
			case pg.JoinType_JOIN_RIGHT:
				c.src = columnNamed(rcols, u)
			}
			combined.cols = append(combined.cols, c)
		}
		for _, c := range append(append([]relColumn(nil), lcols...), rcols...) {
			if !merged[c.name] {
				combined.cols = append(combined.cols, c)
			}
		}
	}
	if j.Alias != nil {
		combined.alias = j.Alias.Aliasname
		combined.cols = renamed(combined.cols, names(j.Alias.Colnames))
		return []*fromItem{combined}
	}
	out := []*fromItem{combined}
	for _, it := range append(left, right...) {
		hidden := *it
		hidden.qualifiedOnly = true
		out = append(out, &hidden)
	}
	return out
}

func columnNamed(cols []relColumn, name string) *columnSource {
	for _, c := range cols {
		if c.name == name {
			return c.src
		}
	}
	return nil
}

// catalogColumnTypes are the oid and name columns of a catalog relation.
func catalogColumnTypes(rel string) map[string]uint32 {
	list, ok := pgCatalogColumnTypes[rel]
	if !ok {
		return nil
	}
	out := map[string]uint32{}
	for _, c := range strings.Fields(list) {
		name, typ, _ := strings.Cut(c, ":")
		if oid, err := strconv.ParseUint(typ, 10, 32); err == nil {
			out[name] = uint32(oid)
		}
	}
	return out
}

// scanColumns are the columns a lake table reference reads.
func scanColumns(r *scanRef) []relColumn {
	if r.meta != "" || r.schema == nil {
		var cols []relColumn
		for _, c := range metaTables[r.meta].columns {
			cols = append(cols, relColumn{name: c.name})
		}
		return cols
	}
	fields := r.schema.Fields()
	cols := make([]relColumn, len(fields))
	for i, f := range fields {
		cols[i] = relColumn{name: f.Name, src: &columnSource{namespace: r.ref.Namespace, table: r.ref.Name, column: f.Name}}
	}
	return cols
}

// starColumns expands * (qualifier nil) or alias.*.
func starColumns(qualifier []string, items []*fromItem) ([]relColumn, bool) {
	var out []relColumn
	switch len(qualifier) {
	case 0:
		for _, it := range items {
			if it.qualifiedOnly {
				continue
			}
			if it.unknown {
				return nil, false
			}
			out = append(out, it.cols...)
		}
		return out, true
	case 1:
		for _, it := range items {
			if it.alias == qualifier[0] {
				return it.cols, !it.unknown
			}
		}
	}
	return nil, false
}

// resolveColumn finds what a column reference (column or alias.column) reads.
func resolveColumn(ref []string, items []*fromItem) relColumn {
	switch len(ref) {
	case 1:
		var found *relColumn
		matches, opaque := 0, 0
		for _, it := range items {
			if it.qualifiedOnly {
				continue
			}
			if it.unknown {
				if t, ok := it.pgTypes[ref[0]]; ok {
					found, matches = &relColumn{pgType: t}, matches+1
				} else {
					opaque++
				}
				continue
			}
			for i := range it.cols {
				if it.cols[i].name == ref[0] {
					found, matches = &it.cols[i], matches+1
				}
			}
		}
		// A catalog column is attributed only when no relation of unknown columns
		// could be the one providing the name.
		if matches == 1 && (found.pgType == 0 || opaque == 0) {
			return relColumn{src: found.src, pgType: found.pgType}
		}
	case 2:
		for _, it := range items {
			if it.alias != ref[0] {
				continue
			}
			if it.unknown {
				return relColumn{pgType: it.pgTypes[ref[1]]}
			}
			for _, c := range it.cols {
				if c.name == ref[1] {
					return relColumn{src: c.src, pgType: c.pgType}
				}
			}
			return relColumn{}
		}
	}
	return relColumn{}
}

// renamed applies an alias column list to the first columns.
func renamed(cols []relColumn, colnames []string) []relColumn {
	if len(colnames) == 0 {
		return cols
	}
	out := append([]relColumn(nil), cols...)
	for i, n := range colnames {
		if i < len(out) {
			out[i].name = n
		}
	}
	return out
}

func stripSources(cols []relColumn) []relColumn {
	out := make([]relColumn, len(cols))
	for i, c := range cols {
		out[i] = relColumn{name: c.name}
	}
	return out
}

// shadowColumnID is a lake column as pg_class and pg_attribute list it.
type shadowColumnID struct {
	table  uint32
	attnum int16
}

// columnIDCache keeps the pg_class oid and attnums of each shadow table, valid while
// the shadow table is the one built from the same table metadata: a commit to the
// table rebuilds the shadow table (new oid), and the next describe looks it up again.
type columnIDCache struct {
	mu     sync.Mutex
	tables map[[2]string]shadowTableIDs // (namespace, table) -> numbers
}

type shadowTableIDs struct {
	location string // metadata location the shadow table was built from
	cols     map[string]shadowColumnID
}

// shadowLocation is the metadata location the shadow table of ns.name was built from,
// "" when there is none.
func (g *Gateway) shadowLocation(ns, name string) string {
	g.shadow.mu.Lock()
	defer g.shadow.mu.Unlock()
	return g.shadow.tables[catalog.QuoteIdent(ns)+"."+catalog.QuoteIdent(name)]
}

// shadowColumns returns the pg_class oid and attnum of lake columns as the shadow
// catalog lists them, from the cache or with one engine query for the tables it
// lacks. A table the shadow catalog lacks (created since the last sync) triggers a
// refresh, as a catalog query would.
func (g *Gateway) shadowColumns(ctx context.Context, srcs []*columnSource) map[columnSource]shadowColumnID {
	locations := map[[2]string]string{}
	for _, s := range srcs {
		if s == nil {
			continue
		}
		key := [2]string{s.namespace, s.table}
		if _, ok := locations[key]; ok {
			continue
		}
		loc := g.shadowLocation(s.namespace, s.table)
		if loc == "" {
			g.syncIfStale(ctx)
			loc = g.shadowLocation(s.namespace, s.table)
		}
		locations[key] = loc
	}
	c := &g.colIDs
	c.mu.Lock()
	if c.tables == nil {
		c.tables = map[[2]string]shadowTableIDs{}
	}
	missing := map[[2]string]bool{}
	for key, loc := range locations {
		if loc == "" {
			delete(c.tables, key)
		} else if c.tables[key].location != loc {
			missing[key] = true
		}
	}
	c.mu.Unlock()
	if len(missing) > 0 {
		// Numbers read now belong at least to the location read before: if a sync
		// replaced the table in between, the next describe sees a new location.
		found := g.queryShadowColumns(ctx, missing)
		c.mu.Lock()
		for key := range missing {
			if cols, ok := found[key]; ok {
				c.tables[key] = shadowTableIDs{location: locations[key], cols: cols}
			}
		}
		c.mu.Unlock()
	}
	out := map[columnSource]shadowColumnID{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range srcs {
		if s == nil {
			continue
		}
		t, ok := c.tables[[2]string{s.namespace, s.table}]
		if !ok || t.location != locations[[2]string{s.namespace, s.table}] {
			continue
		}
		if id, ok := t.cols[s.column]; ok {
			out[*s] = id
		}
	}
	return out
}

// queryShadowColumns reads the numbers of the tables' columns from DuckDB's catalog,
// where lakegate_pg.pg_class and pg_attribute read them.
func (g *Gateway) queryShadowColumns(ctx context.Context, tables map[[2]string]bool) map[[2]string]map[string]shadowColumnID {
	var conds []string
	for t := range tables {
		conds = append(conds, fmt.Sprintf("(t.schema_name = %s AND t.table_name = %s)", catalog.QuoteLiteral(t[0]), catalog.QuoteLiteral(t[1])))
	}
	sql := `SELECT t.schema_name, t.table_name, t.table_oid::BIGINT, c.column_name, c.column_index::BIGINT
		FROM duckdb_tables() t JOIN duckdb_columns() c ON c.table_oid = t.table_oid
		WHERE t.database_name = current_database() AND t.schema_name NOT IN ('main', '` + pgSchema + `') AND (` +
		strings.Join(conds, " OR ") + ")"
	rows, err := g.engine.Query(ctx, sql, nil)
	if err != nil {
		g.log.Warn("lake column numbers", zap.Error(err))
		return nil
	}
	defer rows.Close()
	out := map[[2]string]map[string]shadowColumnID{}
	for {
		b, err := rows.Next(ctx)
		if err != nil && err != io.EOF {
			g.log.Warn("lake column numbers", zap.Error(err))
			return nil
		}
		if b == nil {
			break
		}
		for i := 0; i < int(b.NumRows()); i++ {
			oid, err1 := strconv.ParseUint(b.Column(2).ValueStr(i), 10, 32)
			num, err2 := strconv.ParseInt(b.Column(4).ValueStr(i), 10, 16)
			if err1 != nil || err2 != nil {
				continue
			}
			// Arrow strings alias the batch's buffers, which DuckDB reuses after Release.
			str := func(c int) string { return strings.Clone(b.Column(c).ValueStr(i)) }
			key := [2]string{str(0), str(1)}
			if out[key] == nil {
				out[key] = map[string]shadowColumnID{}
			}
			out[key][str(3)] = shadowColumnID{table: uint32(oid), attnum: int16(num)}
		}
		b.Release()
	}
	return out
}
