package planner

// catalogMacros are PostgreSQL's catalog functions over lakegate_pg's relations.
// They are created after the relations they read (DuckDB binds a macro's body when
// it is created).
var catalogMacros = []string{
	// pg_get_indexdef(index) is the CREATE INDEX statement; (index, column, pretty)
	// the column's name (0: the statement), as pgjdbc and Metabase read it.
	`CREATE OR REPLACE MACRO lakegate_indexdef(i) AS (SELECT 'CREATE UNIQUE INDEX ' || quote_ident(k.conname) || ' ON ' ||
		quote_ident(k.schema_name) || '.' || quote_ident(k.table_name) || ' USING btree (' ||
		array_to_string(list_transform(k.colnames, c -> quote_ident(c)), ', ') || ')'
		FROM lakegate_pg.lake_pkeys k WHERE k.indexrelid = i)`,
	`CREATE OR REPLACE MACRO pg_get_indexdef(i) AS lakegate_indexdef(i),
		(i, col, pretty) AS CASE WHEN col = 0 THEN lakegate_indexdef(i)
		ELSE (SELECT quote_ident(k.colnames[col]) FROM lakegate_pg.lake_pkeys k WHERE k.indexrelid = i) END`,
	`CREATE OR REPLACE MACRO lakegate_constraintdef(c) AS (SELECT 'PRIMARY KEY (' ||
		array_to_string(list_transform(k.colnames, x -> quote_ident(x)), ', ') || ')' FROM lakegate_pg.lake_pkeys k WHERE k.conoid = c)`,
	`CREATE OR REPLACE MACRO pg_get_constraintdef(c) AS lakegate_constraintdef(c), (c, pretty) AS lakegate_constraintdef(c)`,
	`CREATE OR REPLACE MACRO col_description(rel, n) AS (SELECT min(d.description) FROM lakegate_pg.pg_description d
		WHERE d.objoid = rel AND d.objsubid = n AND d.classoid = 1259)`,
	`CREATE OR REPLACE MACRO obj_description(o) AS (SELECT min(d.description) FROM lakegate_pg.pg_description d
		WHERE d.objoid = o AND d.objsubid = 0),
		(o, cat) AS (SELECT min(d.description) FROM lakegate_pg.pg_description d WHERE d.objoid = o AND d.objsubid = 0
		AND d.classoid = (SELECT min(c.oid) FROM lakegate_pg.pg_class c WHERE c.relname = cat AND c.relnamespace = 11))`,
	`CREATE OR REPLACE MACRO btrim(s) AS trim(s), (s, c) AS trim(s, c)`,
	`CREATE OR REPLACE MACRO quote_literal(s) AS '''' || replace(s::VARCHAR, '''', '''''') || ''''`,
	`CREATE OR REPLACE MACRO quote_nullable(s) AS coalesce(quote_literal(s), 'NULL')`,
	`CREATE OR REPLACE MACRO shobj_description(o, cat) AS NULL::VARCHAR`,
	// regclass input: 'name', 'schema.name', '"Quoted"'; unqualified names prefer
	// pg_catalog, then any lake namespace.
	`CREATE OR REPLACE MACRO lakegate_unquote(s) AS CASE WHEN s LIKE '"%"' THEN replace(s[2:-2], '""', '"') ELSE lower(s) END`,
	`CREATE OR REPLACE MACRO lakegate_regclass(s) AS CASE WHEN s IS NULL THEN NULL
		ELSE coalesce(lakegate_find_relation(s), error('relation "' || s || '" does not exist')) END`,
	`CREATE OR REPLACE MACRO lakegate_find_relation(s) AS (SELECT c.oid FROM lakegate_pg.pg_class c
		JOIN lakegate_pg.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname = lakegate_unquote(regexp_extract(s, '("(?:[^"]|"")*"|[^."]+)$', 1))
		AND (n.nspname = lakegate_unquote(regexp_extract(s, '^("(?:[^"]|"")*"|[^."]+)\.', 1))
			OR NOT regexp_matches(s, '^("(?:[^"]|"")*"|[^."]+)\.'))
		ORDER BY c.relnamespace <> 11, c.oid LIMIT 1)`,
	// regclass output: the name, qualified unless it is in pg_catalog.
	`CREATE OR REPLACE MACRO lakegate_relname(o) AS (SELECT CASE WHEN n.nspname = 'pg_catalog' THEN quote_ident(c.relname)
		ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END
		FROM lakegate_pg.pg_class c JOIN lakegate_pg.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = o)`,
	`CREATE OR REPLACE MACRO lakegate_nspname(o) AS (SELECT quote_ident(min(nspname)) FROM lakegate_pg.pg_namespace WHERE oid = o)`,
	`CREATE OR REPLACE MACRO lakegate_nspoid(s) AS (SELECT min(oid) FROM lakegate_pg.pg_namespace WHERE nspname = lakegate_unquote(s))`,
	`CREATE OR REPLACE MACRO lakegate_type_oid(tname) AS CASE WHEN tname IS NULL THEN NULL
		ELSE coalesce(lakegate_find_type(tname), error('type "' || tname || '" does not exist')) END`,
	`CREATE OR REPLACE MACRO lakegate_find_type(tname) AS (SELECT min(t.oid) FROM lakegate_pg.pg_type t LEFT JOIN lakegate_pg.type_names n ON n.oid = t.oid
		WHERE t.typname = lower(regexp_replace(tname, '^pg_catalog\.', '')) OR n.name = lower(regexp_replace(tname, '^pg_catalog\.', '')))`,
	// Relation visibility: rel's namespace is pg_catalog or on the session's path.
	`CREATE OR REPLACE MACRO lakegate_table_visible(rel, path) AS coalesce((SELECT c.relnamespace = 11 OR list_contains(path, n.nspname)
		FROM lakegate_pg.pg_class c JOIN lakegate_pg.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel), false)`,
	`CREATE OR REPLACE MACRO pg_type_is_visible(t) AS true`,
	`CREATE OR REPLACE MACRO pg_function_is_visible(f) AS true`,
	// Sizes come from Iceberg snapshot summaries (total-files-size).
	`CREATE OR REPLACE MACRO pg_relation_size(rel) AS coalesce((SELECT t.total_bytes FROM lakegate_pg.lake_tables t WHERE t.oid = rel), 0)::BIGINT,
		(rel, fork) AS CASE WHEN fork = 'main' THEN coalesce((SELECT t.total_bytes FROM lakegate_pg.lake_tables t WHERE t.oid = rel), 0) ELSE 0 END::BIGINT`,
	`CREATE OR REPLACE MACRO pg_table_size(rel) AS pg_relation_size(rel)`,
	`CREATE OR REPLACE MACRO pg_total_relation_size(rel) AS pg_relation_size(rel)`,
	`CREATE OR REPLACE MACRO pg_indexes_size(rel) AS 0::BIGINT`,
	`CREATE OR REPLACE MACRO pg_database_size(db) AS (SELECT coalesce(sum(total_bytes), 0)::BIGINT FROM lakegate_pg.lake_tables)`,
	`CREATE OR REPLACE MACRO pg_size_pretty(s) AS CASE
		WHEN abs(s) < 10240 THEN s || ' bytes'
		WHEN abs(s >> 9) < 20479 THEN ((s >> 9) + 1) // 2 || ' kB'
		WHEN abs(s >> 19) < 20479 THEN ((s >> 19) + 1) // 2 || ' MB'
		WHEN abs(s >> 29) < 20479 THEN ((s >> 29) + 1) // 2 || ' GB'
		ELSE ((s >> 39) + 1) // 2 || ' TB' END`,
	`CREATE OR REPLACE MACRO pg_get_function_result(f) AS (SELECT format_type(min(prorettype), NULL) FROM lakegate_pg.pg_proc WHERE oid = f)`,
	`CREATE OR REPLACE MACRO pg_get_function_arguments(f) AS coalesce((SELECT string_agg(format_type(a.t, NULL), ', ' ORDER BY a.i)
		FROM (SELECT unnest(proargtypes) AS t, generate_subscripts(proargtypes, 1) AS i FROM lakegate_pg.pg_proc WHERE oid = f) a), '')`,
	`CREATE OR REPLACE MACRO pg_get_function_identity_arguments(f) AS pg_get_function_arguments(f)`,
	// Privileges: everything is readable, nothing is writable.
	`CREATE OR REPLACE MACRO lakegate_read_privilege(p) AS regexp_matches(lower(p), '^\s*(select|usage|connect|execute|references|temp|temporary)(\s+with\s+grant\s+option)?\s*(,\s*(select|usage|connect|execute|references|temp|temporary)(\s+with\s+grant\s+option)?\s*)*$')`,
	`CREATE OR REPLACE MACRO has_table_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_any_column_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_column_privilege(a, c, b) AS lakegate_read_privilege(b), (u, a, c, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_schema_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_database_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_function_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_sequence_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO has_type_privilege(a, b) AS lakegate_read_privilege(b), (u, a, b) AS lakegate_read_privilege(b)`,
	`CREATE OR REPLACE MACRO pg_has_role(a, b) AS true, (u, a, b) AS true`,
	// information_schema._pg_expandarray(arr): one (x, n) row per element.
	`CREATE OR REPLACE MACRO lakegate_pg_expandarray(a) AS unnest(list_transform(a, (v, i) -> {'x': v, 'n': i}))`,
	`CREATE OR REPLACE MACRO parse_ident(s) AS list_transform(regexp_extract_all(s, '"(?:[^"]|"")*"|[^."]+'), p -> lakegate_unquote(trim(p))),
		(s, strict) AS list_transform(regexp_extract_all(s, '"(?:[^"]|"")*"|[^."]+'), p -> lakegate_unquote(trim(p)))`,
	`CREATE OR REPLACE MACRO pg_get_keywords() AS TABLE SELECT keyword_name AS word,
		CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U' WHEN 'column_name' THEN 'C' ELSE 'T' END AS catcode,
		true AS barelabel,
		CASE keyword_category WHEN 'reserved' THEN 'reserved' WHEN 'unreserved' THEN 'unreserved'
			WHEN 'column_name' THEN 'unreserved (cannot be function or type name)' ELSE 'reserved (can be function or type name)' END AS catdesc,
		'can be bare label' AS baredesc FROM duckdb_keywords()`,
}

// lateViews use catalogMacros.
var lateViews = []struct{ name, sql string }{
	{"pg_indexes", `SELECT k.schema_name AS schemaname, k.table_name AS tablename, k.conname AS indexname,
		NULL::VARCHAR AS tablespace, pg_get_indexdef(k.indexrelid) AS indexdef FROM lakegate_pg.lake_pkeys k`},
}
