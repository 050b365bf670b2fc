package planner

import (
	"context"
	"fmt"
	"strings"
)

// pgSchema is the DuckDB schema holding lakegate's PostgreSQL 15 catalog relations,
// built over the shadow tables (see shadow.go) with PostgreSQL's columns and OIDs,
// and empty relations for what a lake does not have (policies, publications, ...).
// The planner points pg_catalog.X (and unqualified pg_X) references here.
const pgSchema = "lakegate_pg"

type pgColumn struct{ name, typ, value string }

// pgRelations lists, per relation lakegate has nothing to put in, the PostgreSQL 15
// columns clients read: they are created empty with these columns and types.
var pgRelations = map[string][]pgColumn{
	"pg_policy":                {{"oid", "BIGINT", ""}, {"polname", "VARCHAR", ""}, {"polrelid", "BIGINT", ""}, {"polcmd", "VARCHAR", ""}, {"polpermissive", "BOOLEAN", ""}, {"polroles", "BIGINT[]", ""}, {"polqual", "VARCHAR", ""}, {"polwithcheck", "VARCHAR", ""}},
	"pg_statistic_ext":         {{"oid", "BIGINT", ""}, {"stxrelid", "BIGINT", ""}, {"stxname", "VARCHAR", ""}, {"stxnamespace", "BIGINT", ""}, {"stxowner", "BIGINT", ""}, {"stxstattarget", "INTEGER", ""}, {"stxkeys", "SMALLINT[]", ""}, {"stxkind", "VARCHAR[]", ""}, {"stxexprs", "VARCHAR", ""}},
	"pg_publication":           {{"oid", "BIGINT", ""}, {"pubname", "VARCHAR", ""}, {"pubowner", "BIGINT", ""}, {"puballtables", "BOOLEAN", ""}, {"pubinsert", "BOOLEAN", ""}, {"pubupdate", "BOOLEAN", ""}, {"pubdelete", "BOOLEAN", ""}, {"pubtruncate", "BOOLEAN", ""}, {"pubviaroot", "BOOLEAN", ""}},
	"pg_publication_rel":       {{"oid", "BIGINT", ""}, {"prpubid", "BIGINT", ""}, {"prrelid", "BIGINT", ""}, {"prqual", "VARCHAR", ""}, {"prattrs", "SMALLINT[]", ""}},
	"pg_publication_namespace": {{"oid", "BIGINT", ""}, {"pnpubid", "BIGINT", ""}, {"pnnspid", "BIGINT", ""}},
	"pg_trigger":               {{"oid", "BIGINT", ""}, {"tgrelid", "BIGINT", ""}, {"tgname", "VARCHAR", ""}, {"tgfoid", "BIGINT", ""}, {"tgtype", "SMALLINT", ""}, {"tgenabled", "VARCHAR", ""}, {"tgisinternal", "BOOLEAN", ""}, {"tgparentid", "BIGINT", ""}},
	"pg_rewrite":               {{"oid", "BIGINT", ""}, {"rulename", "VARCHAR", ""}, {"ev_class", "BIGINT", ""}, {"ev_type", "VARCHAR", ""}, {"ev_enabled", "VARCHAR", ""}, {"is_instead", "BOOLEAN", ""}},
	"pg_matviews":              {{"schemaname", "VARCHAR", ""}, {"matviewname", "VARCHAR", ""}, {"matviewowner", "VARCHAR", ""}, {"tablespace", "VARCHAR", ""}, {"hasindexes", "BOOLEAN", ""}, {"ispopulated", "BOOLEAN", ""}, {"definition", "VARCHAR", ""}},
	"pg_foreign_table":         {{"ftrelid", "BIGINT", ""}, {"ftserver", "BIGINT", ""}, {"ftoptions", "VARCHAR[]", ""}},
	"pg_partitioned_table":     {{"partrelid", "BIGINT", ""}, {"partstrat", "VARCHAR", ""}, {"partnatts", "SMALLINT", ""}},
	"pg_event_trigger":         {{"oid", "BIGINT", ""}, {"evtname", "VARCHAR", ""}, {"evtevent", "VARCHAR", ""}},
	"pg_extension":             {{"oid", "BIGINT", ""}, {"extname", "VARCHAR", ""}, {"extowner", "BIGINT", ""}, {"extnamespace", "BIGINT", ""}, {"extversion", "VARCHAR", ""}},
}

// installPGCatalog creates the lakegate_pg relations and the catalog functions. It
// runs once when the gateway starts.
func (g *Gateway) installPGCatalog(ctx context.Context) error {
	var stmts []string
	stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+pgSchema)
	stmts = append(stmts, typeMacros...)
	stmts = append(stmts, pgTypeView(), typeNamesTable(), formatTypeMacro)
	stmts = append(stmts, lakeHelperViews...)
	stmts = append(stmts, pgClassView())
	g.pgRels["pg_type"], g.pgRels["pg_class"] = true, true
	for _, v := range pgViews {
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS %s", pgSchema, v.name, v.sql))
		g.pgRels[v.name] = true
	}
	names := make([]string, 0, len(g.catalogs))
	for name := range g.catalogs {
		names = append(names, name)
	}
	stmts = append(stmts, pgDatabaseView(names))
	g.pgRels["pg_database"] = true
	stmts = append(stmts, catalogMacros...)
	for _, v := range lateViews {
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS %s", pgSchema, v.name, v.sql))
		g.pgRels[v.name] = true
	}
	for name, body := range infoSchemaMacros {
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE MACRO %s.is_%s(db) AS TABLE %s", pgSchema, name, body))
	}
	for rel, cols := range pgRelations {
		if g.pgRels[rel] {
			continue
		}
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", c.typ, c.name)
		}
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS SELECT %s LIMIT 0", pgSchema, rel, strings.Join(sel, ", ")))
		g.pgRels[rel] = true
	}
	for _, sql := range stmts {
		if err := g.engine.Exec(ctx, sql); err != nil {
			return fmt.Errorf("install pg_catalog: %w (in %.80s)", err, sql)
		}
	}
	return nil
}
