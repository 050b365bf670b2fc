package planner

// pgCatalogColumnTypes are the columns of PostgreSQL 15's catalog relations that
// lakegate defines whose type is oid (26), name (19) or "char" (18), as
// "column:typeoid" lists; TestCatalogColumnTypes checks them against a real
// PostgreSQL. lakegate's views hold them as BIGINT and VARCHAR (DuckDB has neither
// type); result columns that pass them on unchanged are described with
// PostgreSQL's type, so clients decode them as they would from PostgreSQL.
var pgCatalogColumnTypes = map[string]string{
	"pg_am":                    "oid:26 amname:19 amtype:18",
	"pg_attrdef":               "oid:26 adrelid:26",
	"pg_attribute":             "attrelid:26 attname:19 atttypid:26 attalign:18 attstorage:18 attcompression:18 attidentity:18 attgenerated:18 attcollation:26",
	"pg_class":                 "oid:26 relname:19 relnamespace:26 reltype:26 reloftype:26 relowner:26 relam:26 relfilenode:26 reltablespace:26 reltoastrelid:26 relpersistence:18 relkind:18 relreplident:18 relrewrite:26",
	"pg_collation":             "oid:26 collname:19 collnamespace:26 collowner:26 collprovider:18",
	"pg_constraint":            "oid:26 conname:19 connamespace:26 contype:18 conrelid:26 contypid:26 conindid:26 conparentid:26 confrelid:26 confupdtype:18 confdeltype:18 confmatchtype:18",
	"pg_database":              "oid:26 datname:19 datdba:26 datlocprovider:18 dattablespace:26",
	"pg_description":           "objoid:26 classoid:26",
	"pg_enum":                  "oid:26 enumtypid:26 enumlabel:19",
	"pg_event_trigger":         "oid:26 evtname:19 evtevent:19 evtowner:26 evtfoid:26 evtenabled:18",
	"pg_extension":             "oid:26 extname:19 extowner:26 extnamespace:26",
	"pg_foreign_table":         "ftrelid:26 ftserver:26",
	"pg_index":                 "indexrelid:26 indrelid:26",
	"pg_indexes":               "schemaname:19 tablename:19 indexname:19 tablespace:19",
	"pg_inherits":              "inhrelid:26 inhparent:26",
	"pg_matviews":              "schemaname:19 matviewname:19 matviewowner:19 tablespace:19",
	"pg_namespace":             "oid:26 nspname:19 nspowner:26",
	"pg_partitioned_table":     "partrelid:26 partstrat:18 partdefid:26",
	"pg_policy":                "oid:26 polname:19 polrelid:26 polcmd:18",
	"pg_proc":                  "oid:26 proname:19 pronamespace:26 proowner:26 prolang:26 provariadic:26 prokind:18 provolatile:18 proparallel:18 prorettype:26",
	"pg_publication":           "oid:26 pubname:19 pubowner:26",
	"pg_publication_namespace": "oid:26 pnpubid:26 pnnspid:26",
	"pg_publication_rel":       "oid:26 prpubid:26 prrelid:26",
	"pg_range":                 "rngtypid:26 rngsubtype:26 rngmultitypid:26 rngcollation:26 rngsubopc:26",
	"pg_rewrite":               "oid:26 rulename:19 ev_class:26 ev_type:18 ev_enabled:18",
	"pg_roles":                 "rolname:19 oid:26",
	"pg_stat_all_tables":       "relid:26 schemaname:19 relname:19",
	"pg_stat_user_tables":      "relid:26 schemaname:19 relname:19",
	"pg_statio_user_tables":    "relid:26 schemaname:19 relname:19",
	"pg_statistic_ext":         "oid:26 stxrelid:26 stxname:19 stxnamespace:26 stxowner:26",
	"pg_tables":                "schemaname:19 tablename:19 tableowner:19 tablespace:19",
	"pg_tablespace":            "oid:26 spcname:19 spcowner:26",
	"pg_trigger":               "oid:26 tgrelid:26 tgparentid:26 tgname:19 tgfoid:26 tgenabled:18 tgconstrrelid:26 tgconstrindid:26 tgconstraint:26 tgoldtable:19 tgnewtable:19",
	"pg_type":                  "oid:26 typname:19 typnamespace:26 typowner:26 typtype:18 typcategory:18 typdelim:18 typrelid:26 typelem:26 typarray:26 typalign:18 typstorage:18 typbasetype:26 typcollation:26",
	"pg_user":                  "usename:19 usesysid:26",
	"pg_views":                 "schemaname:19 viewname:19 viewowner:19",
}
