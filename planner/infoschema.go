package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// information_schema relations name the database in their *_catalog columns, which
// the shared engine catalog cannot know: each is a table macro taking the session's
// database name, and the planner turns information_schema.X into lakegate_pg.is_X('db').
var infoSchemaMacros = map[string]string{
	"schemata": `SELECT db AS catalog_name, nspname AS schema_name, 'lakegate' AS schema_owner,
		NULL::VARCHAR AS default_character_set_catalog, NULL::VARCHAR AS default_character_set_schema,
		NULL::VARCHAR AS default_character_set_name, NULL::VARCHAR AS sql_path FROM lakegate_pg.pg_namespace`,
	"tables": `SELECT db AS table_catalog, nspname AS table_schema, relname AS table_name, 'BASE TABLE' AS table_type,
		NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation,
		NULL::VARCHAR AS user_defined_type_catalog, NULL::VARCHAR AS user_defined_type_schema,
		NULL::VARCHAR AS user_defined_type_name, 'NO' AS is_insertable_into, 'NO' AS is_typed,
		NULL::VARCHAR AS commit_action FROM lakegate_pg.lake_tables`,
	"columns": `SELECT db AS table_catalog, c.schema_name AS table_schema, c.table_name, c.attname AS column_name,
		c.attnum::INTEGER AS ordinal_position, NULL::VARCHAR AS column_default,
		CASE WHEN c.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
		CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE format_type(c.atttypid, NULL) END AS data_type,
		NULL::INTEGER AS character_maximum_length,
		CASE WHEN c.atttypid = 25 THEN 1073741824 END::INTEGER AS character_octet_length,
		CASE c.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53
			WHEN 1700 THEN CASE WHEN c.atttypmod > 4 THEN (c.atttypmod - 4) >> 16 END END::INTEGER AS numeric_precision,
		CASE WHEN c.atttypid IN (20, 21, 23, 700, 701) THEN 2 WHEN c.atttypid = 1700 THEN 10 END::INTEGER AS numeric_precision_radix,
		CASE WHEN c.atttypid IN (20, 21, 23) THEN 0 WHEN c.atttypid = 1700 AND c.atttypmod > 4 THEN (c.atttypmod - 4) & 65535 END::INTEGER AS numeric_scale,
		CASE WHEN c.atttypid = 1082 THEN 0 WHEN c.atttypid IN (1083, 1114, 1184, 1266) THEN 6 END::INTEGER AS datetime_precision,
		NULL::VARCHAR AS interval_type, NULL::INTEGER AS interval_precision,
		NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, NULL::VARCHAR AS character_set_name,
		NULL::VARCHAR AS collation_catalog, NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name,
		NULL::VARCHAR AS domain_catalog, NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name,
		db AS udt_catalog, 'pg_catalog' AS udt_schema, t.typname AS udt_name,
		NULL::VARCHAR AS scope_catalog, NULL::VARCHAR AS scope_schema, NULL::VARCHAR AS scope_name,
		NULL::INTEGER AS maximum_cardinality, c.attnum::VARCHAR AS dtd_identifier, 'NO' AS is_self_referencing,
		'NO' AS is_identity, NULL::VARCHAR AS identity_generation, NULL::VARCHAR AS identity_start,
		NULL::VARCHAR AS identity_increment, NULL::VARCHAR AS identity_maximum, NULL::VARCHAR AS identity_minimum,
		'NO' AS identity_cycle, 'NEVER' AS is_generated, NULL::VARCHAR AS generation_expression, 'NO' AS is_updatable
		FROM lakegate_pg.lake_columns c LEFT JOIN lakegate_pg.pg_type t ON t.oid = c.atttypid`,
	"table_constraints": `SELECT db AS constraint_catalog, schema_name AS constraint_schema, conname AS constraint_name,
		db AS table_catalog, schema_name AS table_schema, table_name, 'PRIMARY KEY' AS constraint_type,
		'NO' AS is_deferrable, 'NO' AS initially_deferred, 'YES' AS enforced, NULL::VARCHAR AS nulls_distinct
		FROM lakegate_pg.lake_pkeys`,
	"key_column_usage": `SELECT db AS constraint_catalog, schema_name AS constraint_schema, conname AS constraint_name,
		db AS table_catalog, schema_name AS table_schema, table_name, unnest(colnames) AS column_name,
		generate_subscripts(colnames, 1)::INTEGER AS ordinal_position, NULL::INTEGER AS position_in_unique_constraint
		FROM lakegate_pg.lake_pkeys`,
	"constraint_column_usage": `SELECT db AS table_catalog, schema_name AS table_schema, table_name,
		unnest(colnames) AS column_name, db AS constraint_catalog, schema_name AS constraint_schema,
		conname AS constraint_name FROM lakegate_pg.lake_pkeys`,
	"referential_constraints": `SELECT db AS constraint_catalog, NULL::VARCHAR AS constraint_schema,
		NULL::VARCHAR AS constraint_name, NULL::VARCHAR AS unique_constraint_catalog,
		NULL::VARCHAR AS unique_constraint_schema, NULL::VARCHAR AS unique_constraint_name,
		NULL::VARCHAR AS match_option, NULL::VARCHAR AS update_rule, NULL::VARCHAR AS delete_rule LIMIT 0`,
	"views": `SELECT db AS table_catalog, NULL::VARCHAR AS table_schema, NULL::VARCHAR AS table_name,
		NULL::VARCHAR AS view_definition, NULL::VARCHAR AS check_option, NULL::VARCHAR AS is_updatable,
		NULL::VARCHAR AS is_insertable_into, NULL::VARCHAR AS is_trigger_updatable,
		NULL::VARCHAR AS is_trigger_deletable, NULL::VARCHAR AS is_trigger_insertable_into LIMIT 0`,
	"routines": `SELECT db AS specific_catalog, 'pg_catalog' AS specific_schema, proname || '_' || oid AS specific_name,
		db AS routine_catalog, 'pg_catalog' AS routine_schema, proname AS routine_name, 'FUNCTION' AS routine_type,
		format_type(prorettype, NULL) AS data_type, db AS type_udt_catalog, 'pg_catalog' AS type_udt_schema,
		(SELECT typname FROM lakegate_pg.pg_type t WHERE t.oid = prorettype) AS type_udt_name,
		'EXTERNAL' AS routine_body, NULL::VARCHAR AS routine_definition, 'INTERNAL' AS external_language,
		'YES' AS is_deterministic, 'MODIFIES' AS sql_data_access, 'NO' AS is_null_call,
		'INVOKER' AS security_type FROM lakegate_pg.pg_proc`,
	"character_sets": `SELECT NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema,
		'UTF8' AS character_set_name, 'UCS' AS character_repertoire, 'UTF8' AS form_of_use,
		db AS default_collate_catalog, 'pg_catalog' AS default_collate_schema, 'C.UTF-8' AS default_collate_name`,
}

// infoSchemaRelation rewrites a reference to information_schema.X into a call of the
// table macro lakegate_pg.is_X(db), keeping the reference's alias (or its name).
func infoSchemaRelation(n *pg.Node, rv *pg.RangeVar, db string) {
	if _, ok := infoSchemaMacros[rv.Relname]; !ok {
		return
	}
	alias := rv.Alias
	if alias == nil {
		alias = &pg.Alias{Aliasname: rv.Relname}
	}
	call := &pg.FuncCall{
		Funcname: []*pg.Node{pg.MakeStrNode(pgSchema), pg.MakeStrNode("is_" + rv.Relname)},
		Args:     []*pg.Node{{Node: constNode(db)}},
	}
	n.Node = &pg.Node_RangeFunction{RangeFunction: &pg.RangeFunction{
		Functions: []*pg.Node{{Node: &pg.Node_List{List: &pg.List{Items: []*pg.Node{{Node: &pg.Node_FuncCall{FuncCall: call}}, {}}}}}},
		Alias:     alias,
	}}
}
