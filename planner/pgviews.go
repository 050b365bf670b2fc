package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lakegate/lakegate/catalog"
)

// OIDs of PostgreSQL's own catalog relations and namespaces, as PostgreSQL 15 has
// them, so 'pg_class'::regclass and pg_description.classoid agree with clients'
// expectations.
const (
	oidPGCatalog         = 11
	oidPublic            = 2200
	oidInformationSchema = 13181
	oidPGClass           = 1259
	oidBootstrapSuper    = 10
	// Index and constraint OIDs of a lake table's primary key are derived from the
	// table's OID, above any OID DuckDB hands out.
	pkIndexOIDBase      = 1000000000
	pkConstraintOIDBase = 2000000000
)

// pgSystemRelations are the catalog tables listed in pg_class under pg_catalog.
var pgSystemRelations = []struct {
	oid  int
	name string
}{
	{1247, "pg_type"}, {1249, "pg_attribute"}, {1255, "pg_proc"}, {1259, "pg_class"}, {1260, "pg_authid"},
	{1262, "pg_database"}, {1213, "pg_tablespace"}, {2601, "pg_am"}, {2604, "pg_attrdef"}, {2606, "pg_constraint"},
	{2609, "pg_description"}, {2610, "pg_index"}, {2611, "pg_inherits"}, {2615, "pg_namespace"}, {2618, "pg_rewrite"},
	{2620, "pg_trigger"}, {3079, "pg_extension"}, {3256, "pg_policy"}, {3381, "pg_statistic_ext"}, {3456, "pg_collation"},
	{3501, "pg_enum"}, {3541, "pg_range"}, {6104, "pg_publication"}, {6106, "pg_publication_rel"},
	{6237, "pg_publication_namespace"},
}

// lakeHelperViews describe the lake's shadow tables (see shadow.go) once; the
// pg_catalog views below are built on them. lake_stats is filled from Iceberg
// snapshot summaries at every catalog sync.
var lakeHelperViews = []string{
	`CREATE TABLE IF NOT EXISTS lakegate_pg.lake_stats (schema_name VARCHAR, table_name VARCHAR, n_rows BIGINT,
		n_files BIGINT, total_bytes BIGINT, n_deleted BIGINT)`,
	`CREATE OR REPLACE VIEW lakegate_pg.lake_namespaces AS SELECT oid, schema_name AS nspname, comment FROM duckdb_schemas()
		WHERE database_name = current_database() AND NOT internal AND schema_name NOT IN ('main', 'lakegate_pg')`,
	`CREATE OR REPLACE VIEW lakegate_pg.lake_tables AS SELECT t.table_oid AS oid, t.table_name AS relname,
		t.schema_oid AS relnamespace, t.schema_name AS nspname, t.comment, t.has_primary_key, t.column_count,
		s.n_rows, s.n_files, s.total_bytes, s.n_deleted
		FROM duckdb_tables() t JOIN lakegate_pg.lake_namespaces n ON n.oid = t.schema_oid
		LEFT JOIN lakegate_pg.lake_stats s ON s.schema_name = t.schema_name AND s.table_name = t.table_name`,
	`CREATE OR REPLACE VIEW lakegate_pg.lake_columns AS SELECT c.table_oid AS attrelid, c.column_name AS attname,
		c.column_index::SMALLINT AS attnum, lakegate_pg_oid(c.data_type)::BIGINT AS atttypid,
		lakegate_pg_typmod(c.data_type, c.numeric_precision, c.numeric_scale)::INTEGER AS atttypmod,
		NOT c.is_nullable AS attnotnull, c.comment, c.schema_name, c.table_name, c.data_type,
		c.numeric_precision, c.numeric_scale
		FROM duckdb_columns() c JOIN lakegate_pg.lake_namespaces n ON n.oid = c.schema_oid`,
	fmt.Sprintf(`CREATE OR REPLACE VIEW lakegate_pg.lake_pkeys AS SELECT c.table_oid AS conrelid,
		c.table_oid + %d AS indexrelid, c.table_oid + %d AS conoid, c.table_name || '_pkey' AS conname,
		c.schema_oid AS connamespace, list_transform(c.constraint_column_indexes, i -> (i + 1)::SMALLINT) AS conkey,
		c.constraint_column_names AS colnames, c.schema_name, c.table_name
		FROM duckdb_constraints() c JOIN lakegate_pg.lake_namespaces n ON n.oid = c.schema_oid
		WHERE c.constraint_type = 'PRIMARY KEY'`, pkIndexOIDBase, pkConstraintOIDBase),
}

func systemRelationRows() string {
	rows := make([]string, len(pgSystemRelations))
	for i, r := range pgSystemRelations {
		rows[i] = fmt.Sprintf("(%d, '%s')", r.oid, r.name)
	}
	return strings.Join(rows, ", ")
}

// pgClassView lists lake tables, their primary-key indexes and PostgreSQL's catalog
// tables with PostgreSQL 15's columns.
func pgClassView() string {
	cols := func(oid, name, ns, am, pages, tuples, hasIndex, kind, natts string) string {
		return fmt.Sprintf(`SELECT %s::BIGINT AS oid, %s AS relname, %s::BIGINT AS relnamespace, 0::BIGINT AS reltype,
			0::BIGINT AS reloftype, %d::BIGINT AS relowner, %s::BIGINT AS relam, %s::BIGINT AS relfilenode,
			0::BIGINT AS reltablespace, %s::INTEGER AS relpages, %s::FLOAT AS reltuples, 0::INTEGER AS relallvisible,
			0::BIGINT AS reltoastrelid, %s AS relhasindex, false AS relisshared, 'p' AS relpersistence, '%s' AS relkind,
			%s::SMALLINT AS relnatts, 0::SMALLINT AS relchecks, false AS relhasrules, false AS relhastriggers,
			false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
			'd' AS relreplident, false AS relispartition, 0::BIGINT AS relrewrite, 0::BIGINT AS relfrozenxid,
			0::BIGINT AS relminmxid, NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound`,
			oid, name, ns, oidBootstrapSuper, am, oid, pages, tuples, hasIndex, kind, natts)
	}
	return "CREATE OR REPLACE VIEW lakegate_pg.pg_class AS " +
		cols("t.oid", "t.relname", "t.relnamespace", "2", "coalesce((t.total_bytes + 8191) // 8192, 0)", "coalesce(t.n_rows, -1)", "t.has_primary_key", "r", "t.column_count") +
		" FROM lakegate_pg.lake_tables t UNION ALL " +
		cols("k.indexrelid", "k.conname", "k.connamespace", "403", "1", "coalesce(t.n_rows, -1)", "false", "i", "len(k.conkey)") +
		" FROM lakegate_pg.lake_pkeys k LEFT JOIN lakegate_pg.lake_tables t ON t.oid = k.conrelid UNION ALL " +
		cols("s.oid", "s.name", fmt.Sprint(oidPGCatalog), "2", "0", "-1", "false", "r", "0") +
		" FROM (VALUES " + systemRelationRows() + ") s(oid, name)"
}

// pgViews are the remaining catalog relations lakegate defines completely, in
// creation order (later ones use earlier ones).
var pgViews = []struct{ name, sql string }{
	{"pg_namespace", fmt.Sprintf(`SELECT oid::BIGINT AS oid, nspname, %[1]d::BIGINT AS nspowner, NULL::VARCHAR[] AS nspacl FROM (
		SELECT %[2]d AS oid, 'pg_catalog' AS nspname UNION ALL SELECT %[3]d, 'information_schema'
		UNION ALL SELECT %[4]d, 'public' WHERE NOT EXISTS (SELECT 1 FROM lakegate_pg.lake_namespaces WHERE nspname = 'public')
		UNION ALL SELECT oid, nspname FROM lakegate_pg.lake_namespaces)`, oidBootstrapSuper, oidPGCatalog, oidInformationSchema, oidPublic)},
	{"pg_attribute", `SELECT c.attrelid, c.attname, c.atttypid, -1::INTEGER AS attstattarget, t.typlen AS attlen,
		c.attnum, 0::INTEGER AS attndims, -1::INTEGER AS attcacheoff, c.atttypmod, t.typbyval AS attbyval,
		t.typalign AS attalign, t.typstorage AS attstorage, '' AS attcompression, c.attnotnull,
		false AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped,
		true AS attislocal, 0::INTEGER AS attinhcount, t.typcollation AS attcollation, NULL::VARCHAR[] AS attacl,
		NULL::VARCHAR[] AS attoptions, NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval
		FROM lakegate_pg.lake_columns c LEFT JOIN lakegate_pg.pg_type t ON t.oid = c.atttypid
		UNION ALL
		SELECT k.indexrelid, c.attname, c.atttypid, -1, t.typlen, k.i::SMALLINT, 0, -1, c.atttypmod, t.typbyval,
		t.typalign, t.typstorage, '', c.attnotnull, false, false, '', '', false, true, 0, t.typcollation, NULL, NULL, NULL, NULL
		FROM (SELECT indexrelid, conrelid, unnest(conkey) AS attnum, generate_subscripts(conkey, 1) AS i FROM lakegate_pg.lake_pkeys) k
		JOIN lakegate_pg.lake_columns c ON c.attrelid = k.conrelid AND c.attnum = k.attnum
		LEFT JOIN lakegate_pg.pg_type t ON t.oid = c.atttypid`},
	{"pg_description", fmt.Sprintf(`SELECT oid::BIGINT AS objoid, %[1]d::BIGINT AS classoid, 0::INTEGER AS objsubid, comment AS description
		FROM lakegate_pg.lake_tables WHERE coalesce(comment, '') <> ''
		UNION ALL SELECT attrelid, %[1]d, attnum, comment FROM lakegate_pg.lake_columns WHERE coalesce(comment, '') <> ''
		UNION ALL SELECT oid, 2615, 0, comment FROM lakegate_pg.lake_namespaces WHERE coalesce(comment, '') <> ''`, oidPGClass)},
	{"pg_attrdef", `SELECT NULL::BIGINT AS oid, NULL::BIGINT AS adrelid, NULL::SMALLINT AS adnum, NULL::VARCHAR AS adbin LIMIT 0`},
	{"pg_am", `SELECT oid::BIGINT AS oid, amname, amhandler, amtype FROM (VALUES (2, 'heap', 'heap_tableam_handler', 't'),
		(403, 'btree', 'bthandler', 'i'), (405, 'hash', 'hashhandler', 'i'), (783, 'gist', 'gisthandler', 'i'),
		(2742, 'gin', 'ginhandler', 'i'), (4000, 'spgist', 'spghandler', 'i'), (3580, 'brin', 'brinhandler', 'i'))
		a(oid, amname, amhandler, amtype)`},
	{"pg_index", `SELECT indexrelid::BIGINT AS indexrelid, conrelid::BIGINT AS indrelid, len(conkey)::SMALLINT AS indnatts,
		len(conkey)::SMALLINT AS indnkeyatts, true AS indisunique, false AS indnullsnotdistinct, true AS indisprimary,
		false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid,
		false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident, conkey AS indkey,
		list_transform(conkey, k -> 0::BIGINT) AS indcollation, list_transform(conkey, k -> 0::BIGINT) AS indclass,
		list_transform(conkey, k -> 0::SMALLINT) AS indoption, NULL::VARCHAR AS indexprs, NULL::VARCHAR AS indpred
		FROM lakegate_pg.lake_pkeys`},
	{"pg_constraint", `SELECT conoid::BIGINT AS oid, conname, connamespace::BIGINT AS connamespace, 'p' AS contype,
		false AS condeferrable, false AS condeferred, true AS convalidated, conrelid::BIGINT AS conrelid,
		0::BIGINT AS contypid, indexrelid::BIGINT AS conindid, 0::BIGINT AS conparentid, 0::BIGINT AS confrelid,
		' ' AS confupdtype, ' ' AS confdeltype, ' ' AS confmatchtype, true AS conislocal, 0::INTEGER AS coninhcount,
		true AS connoinherit, conkey, NULL::SMALLINT[] AS confkey, NULL::BIGINT[] AS conpfeqop,
		NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop, NULL::SMALLINT[] AS confdelsetcols,
		NULL::BIGINT[] AS conexclop, NULL::VARCHAR AS conbin
		FROM lakegate_pg.lake_pkeys`},
	{"pg_collation", `SELECT oid::BIGINT AS oid, collname, 11::BIGINT AS collnamespace, 10::BIGINT AS collowner,
		collprovider, true AS collisdeterministic, collencoding, collcollate, collctype, NULL::VARCHAR AS colliculocale,
		NULL::VARCHAR AS collversion FROM (VALUES (100, 'default', 'd', -1, NULL, NULL), (950, 'C', 'c', -1, 'C', 'C'),
		(951, 'POSIX', 'c', -1, 'POSIX', 'POSIX')) c(oid, collname, collprovider, collencoding, collcollate, collctype)`},
	{"pg_tablespace", `SELECT oid::BIGINT AS oid, spcname, 10::BIGINT AS spcowner, NULL::VARCHAR[] AS spcacl,
		NULL::VARCHAR[] AS spcoptions FROM (VALUES (1663, 'pg_default'), (1664, 'pg_global')) t(oid, spcname)`},
	{"pg_tables", `SELECT nspname AS schemaname, relname AS tablename, 'lakegate' AS tableowner, NULL::VARCHAR AS tablespace,
		has_primary_key AS hasindexes, false AS hasrules, false AS hastriggers, false AS rowsecurity FROM lakegate_pg.lake_tables`},
	{"pg_views", `SELECT NULL::VARCHAR AS schemaname, NULL::VARCHAR AS viewname, NULL::VARCHAR AS viewowner,
		NULL::VARCHAR AS definition LIMIT 0`},
	{"pg_stat_user_tables", `SELECT oid::BIGINT AS relid, nspname AS schemaname, relname, 0::BIGINT AS seq_scan,
		0::BIGINT AS seq_tup_read, 0::BIGINT AS idx_scan, 0::BIGINT AS idx_tup_fetch, 0::BIGINT AS n_tup_ins,
		0::BIGINT AS n_tup_upd, 0::BIGINT AS n_tup_del, 0::BIGINT AS n_tup_hot_upd,
		coalesce(n_rows, 0)::BIGINT AS n_live_tup, coalesce(n_deleted, 0)::BIGINT AS n_dead_tup,
		0::BIGINT AS n_mod_since_analyze, 0::BIGINT AS n_ins_since_vacuum, NULL::TIMESTAMPTZ AS last_vacuum,
		NULL::TIMESTAMPTZ AS last_autovacuum, NULL::TIMESTAMPTZ AS last_analyze, NULL::TIMESTAMPTZ AS last_autoanalyze,
		0::BIGINT AS vacuum_count, 0::BIGINT AS autovacuum_count, 0::BIGINT AS analyze_count,
		0::BIGINT AS autoanalyze_count FROM lakegate_pg.lake_tables`},
	{"pg_stat_all_tables", `SELECT * FROM lakegate_pg.pg_stat_user_tables`},
	{"pg_statio_user_tables", `SELECT oid::BIGINT AS relid, nspname AS schemaname, relname, 0::BIGINT AS heap_blks_read,
		0::BIGINT AS heap_blks_hit, 0::BIGINT AS idx_blks_read, 0::BIGINT AS idx_blks_hit FROM lakegate_pg.lake_tables`},
	{"pg_enum", `SELECT NULL::BIGINT AS oid, NULL::BIGINT AS enumtypid, NULL::FLOAT AS enumsortorder, NULL::VARCHAR AS enumlabel LIMIT 0`},
	{"pg_proc", `SELECT oid::BIGINT AS oid, proname, 11::BIGINT AS pronamespace, 10::BIGINT AS proowner,
		12::BIGINT AS prolang, 1::FLOAT AS procost, 0::FLOAT AS prorows, 0::BIGINT AS provariadic, '-' AS prosupport,
		'f' AS prokind, false AS prosecdef, false AS proleakproof, true AS proisstrict, false AS proretset,
		's' AS provolatile, 's' AS proparallel, len(argtypes)::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults,
		rettype::BIGINT AS prorettype, argtypes AS proargtypes, NULL::BIGINT[] AS proallargtypes,
		NULL::VARCHAR[] AS proargmodes, NULL::VARCHAR[] AS proargnames, NULL::VARCHAR AS proargdefaults,
		NULL::BIGINT[] AS protrftypes, proname AS prosrc, NULL::VARCHAR AS probin, NULL::VARCHAR AS prosqlbody,
		NULL::VARCHAR[] AS proconfig, NULL::VARCHAR[] AS proacl FROM (VALUES ` + pgProcRows() + `) p(oid, proname, rettype, argtypes)`},
	{"pg_roles", `SELECT 'lakegate' AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole,
		false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1::INTEGER AS rolconnlimit,
		'********' AS rolpassword, NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolbypassrls,
		NULL::VARCHAR[] AS rolconfig, 10::BIGINT AS oid`},
	{"pg_user", `SELECT 'lakegate' AS usename, 10::BIGINT AS usesysid, false AS usecreatedb, false AS usesuper,
		false AS userepl, false AS usebypassrls, '********' AS passwd, NULL::TIMESTAMPTZ AS valuntil, NULL::VARCHAR[] AS useconfig`},
	{"pg_inherits", `SELECT NULL::BIGINT AS inhrelid, NULL::BIGINT AS inhparent, NULL::INTEGER AS inhseqno, NULL::BOOLEAN AS inhdetachpending LIMIT 0`},
	{"pg_range", `SELECT NULL::BIGINT AS rngtypid, NULL::BIGINT AS rngsubtype, NULL::BIGINT AS rngmultitypid,
		NULL::BIGINT AS rngcollation, NULL::BIGINT AS rngsubopc, NULL::VARCHAR AS rngcanonical, NULL::VARCHAR AS rngsubdiff LIMIT 0`},
}

// pgProcEntries are a few pg_catalog functions lakegate answers, listed in pg_proc:
// name, result type, argument types.
var pgProcEntries = []struct {
	oid  int
	name string
	ret  int
	args []int
}{
	{89, "version", catalog.OIDText, nil}, {861, "current_database", oidName, nil},
	{1402, "current_schema", oidName, nil}, {1403, "current_schemas", 1003, []int{catalog.OIDBool}},
	{2077, "current_setting", catalog.OIDText, []int{catalog.OIDText}},
	{2078, "set_config", catalog.OIDText, []int{catalog.OIDText, catalog.OIDText, catalog.OIDBool}},
	{1081, "format_type", catalog.OIDText, []int{oidOid, catalog.OIDInt4}},
	{1215, "obj_description", catalog.OIDText, []int{oidOid, oidName}},
	{1216, "col_description", catalog.OIDText, []int{oidOid, catalog.OIDInt4}},
	{1282, "quote_ident", catalog.OIDText, []int{catalog.OIDText}},
	{2286, "pg_total_relation_size", catalog.OIDInt8, []int{oidRegclass}},
	{2325, "pg_relation_size", catalog.OIDInt8, []int{oidRegclass}},
	{2288, "pg_size_pretty", catalog.OIDText, []int{catalog.OIDInt8}},
	{2079, "pg_table_is_visible", catalog.OIDBool, []int{oidOid}},
}

func pgProcRows() string {
	rows := make([]string, len(pgProcEntries))
	for i, p := range pgProcEntries {
		args := make([]string, len(p.args))
		for j, a := range p.args {
			args[j] = fmt.Sprint(a)
		}
		rows[i] = fmt.Sprintf("(%d, '%s', %d, [%s]::BIGINT[])", p.oid, p.name, p.ret, strings.Join(args, ", "))
	}
	return strings.Join(rows, ", ")
}

// pgDatabaseView lists the configured catalogs as databases.
func pgDatabaseView(names []string) string {
	sort.Strings(names)
	rows := make([]string, len(names))
	for i, n := range names {
		rows[i] = fmt.Sprintf("(%d, %s)", 16384+i, catalog.QuoteLiteral(n))
	}
	if len(rows) == 0 {
		rows = []string{"(16384, 'lake')"}
	}
	return `CREATE OR REPLACE VIEW lakegate_pg.pg_database AS SELECT oid::BIGINT AS oid, datname, 10::BIGINT AS datdba,
		6::INTEGER AS encoding, 'c' AS datlocprovider, false AS datistemplate, true AS datallowconn,
		-1::INTEGER AS datconnlimit, 0::BIGINT AS datfrozenxid, 0::BIGINT AS datminmxid, 1663::BIGINT AS dattablespace,
		'C.UTF-8' AS datcollate, 'C.UTF-8' AS datctype, NULL::VARCHAR AS daticulocale, NULL::VARCHAR AS datcollversion,
		NULL::VARCHAR[] AS datacl FROM (VALUES ` + strings.Join(rows, ", ") + `) d(oid, datname)`
}
