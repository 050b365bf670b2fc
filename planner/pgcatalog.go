package planner

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakegate/lakegate/catalog"
)

// pgSchema is the DuckDB schema holding lakegate's views of PostgreSQL's catalog
// relations: DuckDB's own pg_catalog views completed with the columns PostgreSQL 15
// has and DuckDB lacks, and empty relations for those DuckDB does not have at all.
// The planner points pg_catalog.X (and unqualified pg_X) references here.
const pgSchema = "lakegate_pg"

type pgColumn struct{ name, typ, value string }

// pgRelations lists, per relation, the PostgreSQL 15 columns clients read, with the
// value a read-only Iceberg gateway has for each.
var pgRelations = map[string][]pgColumn{
	"pg_class": {
		{"reloftype", "BIGINT", "0"}, {"relam", "BIGINT", "2"}, {"relfilenode", "BIGINT", "0"},
		{"reltablespace", "BIGINT", "0"}, {"relallvisible", "INTEGER", "0"}, {"reltoastrelid", "BIGINT", "0"},
		{"relisshared", "BOOLEAN", "false"}, {"relpersistence", "VARCHAR", "'p'"}, {"relchecks", "SMALLINT", "0"},
		{"relhasrules", "BOOLEAN", "false"}, {"relhastriggers", "BOOLEAN", "false"}, {"relhassubclass", "BOOLEAN", "false"},
		{"relrowsecurity", "BOOLEAN", "false"}, {"relforcerowsecurity", "BOOLEAN", "false"}, {"relispopulated", "BOOLEAN", "true"},
		{"relreplident", "VARCHAR", "'d'"}, {"relispartition", "BOOLEAN", "false"}, {"relrewrite", "BIGINT", "0"},
		{"relfrozenxid", "BIGINT", "0"}, {"relminmxid", "BIGINT", "0"}, {"relacl", "VARCHAR[]", "NULL"},
		{"reloptions", "VARCHAR[]", "NULL"}, {"relpartbound", "VARCHAR", "NULL"},
	},
	"pg_attribute": {
		{"attstattarget", "INTEGER", "-1"}, {"attcacheoff", "INTEGER", "-1"}, {"attndims", "INTEGER", "0"},
		{"attbyval", "BOOLEAN", "false"}, {"attalign", "VARCHAR", "'i'"}, {"attstorage", "VARCHAR", "'p'"},
		{"attcompression", "VARCHAR", "''"}, {"atthasmissing", "BOOLEAN", "false"}, {"attidentity", "VARCHAR", "''"},
		{"attgenerated", "VARCHAR", "''"}, {"attislocal", "BOOLEAN", "true"}, {"attinhcount", "INTEGER", "0"},
		{"attcollation", "BIGINT", "0"}, {"attacl", "VARCHAR[]", "NULL"}, {"attoptions", "VARCHAR[]", "NULL"},
		{"attfdwoptions", "VARCHAR[]", "NULL"}, {"attmissingval", "VARCHAR", "NULL"},
	},
	"pg_namespace": {{"nspacl", "VARCHAR[]", "NULL"}},
	"pg_roles": {
		{"oid", "BIGINT", "10"}, {"rolname", "VARCHAR", "'lakegate'"}, {"rolsuper", "BOOLEAN", "false"},
		{"rolinherit", "BOOLEAN", "true"}, {"rolcreaterole", "BOOLEAN", "false"}, {"rolcreatedb", "BOOLEAN", "false"},
		{"rolcanlogin", "BOOLEAN", "true"}, {"rolreplication", "BOOLEAN", "false"}, {"rolconnlimit", "INTEGER", "-1"},
		{"rolpassword", "VARCHAR", "'********'"}, {"rolvaliduntil", "TIMESTAMPTZ", "NULL"}, {"rolbypassrls", "BOOLEAN", "false"},
		{"rolconfig", "VARCHAR[]", "NULL"},
	},
	"pg_user": {
		{"usename", "VARCHAR", "'lakegate'"}, {"usesysid", "BIGINT", "10"}, {"usecreatedb", "BOOLEAN", "false"},
		{"usesuper", "BOOLEAN", "false"}, {"userepl", "BOOLEAN", "false"}, {"usebypassrls", "BOOLEAN", "false"},
		{"passwd", "VARCHAR", "'********'"}, {"valuntil", "TIMESTAMPTZ", "NULL"}, {"useconfig", "VARCHAR[]", "NULL"},
	},
	"pg_inherits":              {{"inhrelid", "BIGINT", ""}, {"inhparent", "BIGINT", ""}, {"inhseqno", "INTEGER", ""}, {"inhdetachpending", "BOOLEAN", ""}},
	"pg_policy":                {{"oid", "BIGINT", ""}, {"polname", "VARCHAR", ""}, {"polrelid", "BIGINT", ""}, {"polcmd", "VARCHAR", ""}, {"polpermissive", "BOOLEAN", ""}, {"polroles", "BIGINT[]", ""}, {"polqual", "VARCHAR", ""}, {"polwithcheck", "VARCHAR", ""}},
	"pg_statistic_ext":         {{"oid", "BIGINT", ""}, {"stxrelid", "BIGINT", ""}, {"stxname", "VARCHAR", ""}, {"stxnamespace", "BIGINT", ""}, {"stxowner", "BIGINT", ""}, {"stxstattarget", "INTEGER", ""}, {"stxkeys", "SMALLINT[]", ""}, {"stxkind", "VARCHAR[]", ""}, {"stxexprs", "VARCHAR", ""}},
	"pg_publication":           {{"oid", "BIGINT", ""}, {"pubname", "VARCHAR", ""}, {"pubowner", "BIGINT", ""}, {"puballtables", "BOOLEAN", ""}, {"pubinsert", "BOOLEAN", ""}, {"pubupdate", "BOOLEAN", ""}, {"pubdelete", "BOOLEAN", ""}, {"pubtruncate", "BOOLEAN", ""}, {"pubviaroot", "BOOLEAN", ""}},
	"pg_publication_rel":       {{"oid", "BIGINT", ""}, {"prpubid", "BIGINT", ""}, {"prrelid", "BIGINT", ""}, {"prqual", "VARCHAR", ""}, {"prattrs", "SMALLINT[]", ""}},
	"pg_publication_namespace": {{"oid", "BIGINT", ""}, {"pnpubid", "BIGINT", ""}, {"pnnspid", "BIGINT", ""}},
	"pg_trigger":               {{"oid", "BIGINT", ""}, {"tgrelid", "BIGINT", ""}, {"tgname", "VARCHAR", ""}, {"tgfoid", "BIGINT", ""}, {"tgtype", "SMALLINT", ""}, {"tgenabled", "VARCHAR", ""}, {"tgisinternal", "BOOLEAN", ""}, {"tgparentid", "BIGINT", ""}},
	"pg_rewrite":               {{"oid", "BIGINT", ""}, {"rulename", "VARCHAR", ""}, {"ev_class", "BIGINT", ""}, {"ev_type", "VARCHAR", ""}, {"ev_enabled", "VARCHAR", ""}, {"is_instead", "BOOLEAN", ""}},
	"pg_range":                 {{"rngtypid", "BIGINT", ""}, {"rngsubtype", "BIGINT", ""}, {"rngmultitypid", "BIGINT", ""}, {"rngcollation", "BIGINT", ""}, {"rngsubopc", "BIGINT", ""}},
	"pg_matviews":              {{"schemaname", "VARCHAR", ""}, {"matviewname", "VARCHAR", ""}, {"matviewowner", "VARCHAR", ""}, {"tablespace", "VARCHAR", ""}, {"hasindexes", "BOOLEAN", ""}, {"ispopulated", "BOOLEAN", ""}, {"definition", "VARCHAR", ""}},
	"pg_foreign_table":         {{"ftrelid", "BIGINT", ""}, {"ftserver", "BIGINT", ""}, {"ftoptions", "VARCHAR[]", ""}},
	"pg_partitioned_table":     {{"partrelid", "BIGINT", ""}, {"partstrat", "VARCHAR", ""}, {"partnatts", "SMALLINT", ""}},
	"pg_event_trigger":         {{"oid", "BIGINT", ""}, {"evtname", "VARCHAR", ""}, {"evtevent", "VARCHAR", ""}},
	"pg_extension":             {{"oid", "BIGINT", ""}, {"extname", "VARCHAR", ""}, {"extowner", "BIGINT", ""}, {"extnamespace", "BIGINT", ""}, {"extversion", "VARCHAR", ""}},
}

// pgFilters hide DuckDB's own objects.
var pgFilters = map[string]string{
	"pg_namespace": "nspname NOT IN ('main', '" + pgSchema + "')",
}

// installPGCatalog creates the lakegate_pg views. It runs once when the gateway starts.
func (g *Gateway) installPGCatalog(ctx context.Context) error {
	if err := g.engine.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgSchema); err != nil {
		return err
	}
	for _, m := range typeMacros {
		if err := g.engine.Exec(ctx, m); err != nil {
			return err
		}
	}
	if err := g.engine.Exec(ctx, pgTypeView()); err != nil {
		return fmt.Errorf("install pg_type: %w", err)
	}
	g.pgRels["pg_type"] = true
	for rel, cols := range pgRelations {
		existing, err := g.describeColumns(ctx, "pg_catalog."+rel)
		var sql string
		if err == nil && rel == "pg_attribute" {
			var add []string
			for _, c := range cols {
				if !existing[c.name] {
					add = append(add, fmt.Sprintf("CAST(%s AS %s) AS %s", c.value, c.typ, c.name))
				}
			}
			sql = pgAttributeView(add)
		} else if err == nil {
			var add []string
			for _, c := range cols {
				if !existing[c.name] {
					add = append(add, fmt.Sprintf("CAST(%s AS %s) AS %s", c.value, c.typ, c.name))
				}
			}
			sel := "*"
			if len(add) > 0 {
				sel += ", " + strings.Join(add, ", ")
			}
			sql = fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS SELECT %s FROM pg_catalog.%s", pgSchema, rel, sel, rel)
			if f := pgFilters[rel]; f != "" {
				sql += " WHERE " + f
			}
		} else {
			sel := make([]string, len(cols))
			allConst := true
			for i, c := range cols {
				v := c.value
				if v == "" {
					v, allConst = "NULL", false
				}
				sel[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", v, c.typ, c.name)
			}
			sql = fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS SELECT %s", pgSchema, rel, strings.Join(sel, ", "))
			if !allConst {
				sql += " LIMIT 0"
			}
		}
		if err := g.engine.Exec(ctx, sql); err != nil {
			return fmt.Errorf("install %s: %w", rel, err)
		}
		g.pgRels[rel] = true
	}
	return nil
}

func (g *Gateway) describeColumns(ctx context.Context, rel string) (map[string]bool, error) {
	rows, err := g.engine.Query(ctx, "DESCRIBE "+rel, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for {
		b, err := rows.Next(ctx)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if b == nil {
			return out, nil
		}
		names := b.Column(0).(*array.String)
		for i := 0; i < names.Len(); i++ {
			out[names.Value(i)] = true
		}
		b.Release()
	}
}

var _ = catalog.QuoteIdent
