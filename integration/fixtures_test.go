package integration

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
)

// The tables of testdata/iceberg-fixtures, written by Spark, Trino, Impala, PyIceberg
// and others (see its README), read through a static catalog with location
// remapping and checked against the results their source projects state.

// fixtureCase is one table of ../shared/iceberg-fixtures (see its README), served
// through the static catalog "fx" with a location remapping.
type fixtureCase struct {
	name      string // table name in schema fx; default dir
	dir, meta string
	from      string // the location prefix written in its metadata
	csv       string // expected/<csv>.csv compared with sel (every column cast to text)
	sel       string
	counts    []int64 // live rows per snapshot, in commit order; -1: refused with 0A000, -2: unreadable (58030), -3: reads (no count stated)
	queries   [][2]string
	unordered bool // the expected CSV lists the rows in no particular order
	// pgText names a file of expected/ holding the current rows as PostgreSQL prints
	// them (a header, then one row a line, columns split by \x1f, NULL as \N),
	// compared ignoring row order with the gateway's text encoding of SELECT <header>.
	pgText string
	// parquetDir names a folder of expected/ holding the current rows as Parquet
	// files; the count, non-NULL count and sum of each integer column and the
	// non-NULL count and total length of each string column must match.
	parquetDir string
	// preds are conditions on the current snapshot whose pruned count (WHERE, pushed
	// into scan planning) must equal the unpruned one (FILTER, evaluated by DuckDB
	// over every file); a "!" prefix also requires EXPLAIN to show skipped data files.
	preds []string
}

var fixtureCases = []fixtureCase{
	{dir: "ddb_equality_deletes_partitioned", meta: "metadata/v6.metadata.json",
		from: "data/persistent/equality_deletes/warehouse/mydb/mytable_partitioned",
		csv:  "ddb_equality_deletes_partitioned", sel: "id, name, bir::text ORDER BY id",
		counts: []int64{4, 3, 2, 4, 3}},
	{dir: "ddb_equality_deletes", meta: "metadata/v7.metadata.json",
		from: "data/persistent/equality_deletes/warehouse/mydb/mytable",
		csv:  "ddb_equality_deletes", sel: "id, name, bir::text ORDER BY id",
		counts: []int64{4, -2, 2, 1, 3, 2}}, // snapshot 2's manifest list is missing from the source
	{dir: "ddb_partition_timestamptz", meta: "metadata/00001-ffeadb58-2a9e-46ba-8b4f-f363f05de68c.metadata.json",
		from: "data/persistent/partition_timestamptz/default.db/partition_timestamptz",
		csv:  "ddb_partition_timestamptz", sel: "partition_col::text, user_id, event_type ORDER BY user_id",
		queries: [][2]string{{"SELECT user_id FROM fx.fx.ddb_partition_timestamptz WHERE partition_col = '2023-05-15 16:30:45+02'", "12345"}}},
	{dir: "cxx_data_outside_location", meta: "iceberg/metadata/00001-dcd3b13f-b249-4256-9156-0f653f7da773.metadata.json",
		from: "s3a://dl-test-maintenance/check/tea-partitioned/v_20240913", counts: []int64{1}},
	{dir: "cxx_granular_deletes", meta: "metadata/00005-0275caad-4030-4bd9-938e-16cf762abcfb.metadata.json",
		from: "s3a://warehouse/granular_deletes", counts: []int64{0, 8, 16, 10}},
	{dir: "cxx_dangling_deletes", meta: "metadata/00011-31179cfb-920d-47df-af37-7362d4028557.metadata.json",
		from: "s3a://warehouse/dangling_deletes", counts: []int64{0, 8, 16, 10, 10, 10, 10}},
	{dir: "ddb_legacy_v1", meta: "metadata/v2.metadata.json", from: "data/persistent/iceberg_v1_deprecated/default/legacy_v1",
		csv: "ddb_legacy_v1", sel: "id, category, amount ORDER BY id"},
	{dir: "imp_multiple_storage_locations", meta: "iceberg_multiple_storage_locations/metadata/v6.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice", // the table's parent: data lives beside it
		csv:  "imp_multiple_storage_locations",
		sel: "col_int, col_bigint, round(col_float::double, 10)::text, col_double::text, col_string, " +
			"strftime(col_timestamp, '%Y-%m-%d %H:%M:%S'), col_date::text ORDER BY col_int, col_bigint",
		counts: []int64{3, 6, 9}},
	{dir: "imp_timestamptz_part", meta: "metadata/v2.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_timestamptz_part",
		csv:  "imp_timestamptz_part", sel: "i, ts::text ORDER BY i"},
	{dir: "imp_alltypes_part", meta: "metadata/v2.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_alltypes_part",
		csv:  "imp_alltypes_part",
		sel: "i, p_bool, p_int, p_bigint, p_float::double::text, p_double::text, p_decimal::text, " +
			"p_date::text, p_string ORDER BY i",
		queries: [][2]string{{"SELECT count(*) FROM fx.fx.imp_alltypes_part WHERE p_int = 2", "0"},
			{"SELECT count(*) FROM fx.fx.imp_alltypes_part WHERE p_string = 'impala' AND p_int = 1", "2"}}},
	{dir: "imp_airports_no_field_ids", meta: "metadata/v2.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/airports_parquet", counts: []int64{3376},
		queries: [][2]string{
			{"SELECT lat::text FROM fx.fx.imp_airports_no_field_ids WHERE iata = '00R'", "30.68586111"},
			{"SELECT lat::text || ' ' || round(lon, 7)::text FROM fx.fx.imp_airports_no_field_ids WHERE iata = '00M'", "31.95376472 -89.2345047"},
			{"SELECT string_agg(iata, ',' ORDER BY iata) FROM fx.fx.imp_airports_no_field_ids WHERE country != 'USA'", "ROP,ROR,SPN,YAP"}}},
	{dir: "imp_v3_default_value", meta: "metadata/v4.metadata.json",
		from: "hdfs://localhost:20500/test-warehouse/iceberg_v3_default_value",
		csv:  "imp_v3_default_value", sel: "i, j ORDER BY i", counts: []int64{1, 2},
		queries: [][2]string{{"SELECT count(*) FROM fx.fx.imp_v3_default_value WHERE j IS NULL", "0"}}},
	{dir: "imp_v3_row_lineage", meta: "metadata/v5.metadata.json",
		from: "hdfs://localhost:20500/test-warehouse/iceberg_v3_row_lineage", counts: []int64{1, 2, 3, 3},
		queries: [][2]string{{"SELECT string_agg(i::text, ',' ORDER BY i) FROM fx.fx.imp_v3_row_lineage", "1,2,3"}}},
	// Name mappings edited by hand after the file was written: the conditions are not
	// pushed (FILTER), as the manifest's column statistics follow the original mapping.
	{name: "name_mapping_v3", dir: "ddb_name_mapping", meta: "metadata/v3.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		queries: [][2]string{
			{`SELECT count(*) FILTER (WHERE b IS NULL) FROM fx."name_mapping_v3@6597550917742534971"`, "0"},
			{`SELECT count(*) FILTER (WHERE b IS NOT NULL) FROM fx."name_mapping_v3@6597550917742534971"`, "10000"}}},
	{name: "name_mapping_v3_1", dir: "ddb_name_mapping", meta: "metadata/v3.1.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		queries: [][2]string{
			{`SELECT count(*) FILTER (WHERE b IS NULL) FROM fx."name_mapping_v3_1@6597550917742534971"`, "10000"}}},
	{name: "name_mapping_v3_2", dir: "ddb_name_mapping", meta: "metadata/v3.2.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		queries: [][2]string{
			{`SELECT count(*) FILTER (WHERE a IS NULL AND b IS NULL) FROM fx."name_mapping_v3_2@6597550917742534971"`, "10000"}}},
	{name: "name_mapping_v4", dir: "ddb_name_mapping", meta: "metadata/v4.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		queries: [][2]string{
			{`SELECT count(*) FILTER (WHERE b IS NOT NULL) FROM fx."name_mapping_v4@6597550917742534971"`, "10000"}}},
	{name: "name_mapping_v4_1", dir: "ddb_name_mapping", meta: "metadata/v4.1.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		queries: [][2]string{
			{`SELECT count(*) FILTER (WHERE b IS NULL) FROM fx."name_mapping_v4_1@6597550917742534971"`, "10000"}}},
	{name: "name_mapping_v7", dir: "ddb_name_mapping", meta: "metadata/v7.metadata.json", from: "data/persistent/name_mapping/warehouse_1/mydb/t1",
		counts:  []int64{10000, 10000},
		queries: [][2]string{{"SELECT count(*) FILTER (WHERE b IS NULL) FROM fx.fx.name_mapping_v7", "10000"}}},
	// Impala's v2 tables: manifests without the Iceberg header keys (completed by the
	// catalog's IO) and position deletes naming data files as hdfs://localhost:20500/...
	// while the metadata says /test-warehouse/... (both spellings remap alike).
	{dir: "imp_v2_delete_positional", meta: "metadata/v2.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_v2_delete_positional",
		csv:  "imp_v2_delete_positional", sel: "id, data ORDER BY id", counts: []int64{3, 2},
		queries: [][2]string{{"SELECT count(*) FROM fx.fx.imp_v2_delete_positional WHERE id = 2", "0"}}},
	{dir: "ddb_lineitem_iceberg", meta: "metadata/v2.metadata.json", from: "lineitem_iceberg",
		counts: []int64{60175, 51793},
		queries: [][2]string{{`SELECT round(sum(l_extendedprice * l_discount), 4)::text FROM fx.fx.ddb_lineitem_iceberg
			WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
			AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`, "1077536.9101"}}},
	{dir: "ddb_pyspark_v2_deletes_schema_evolution", meta: "metadata/v9.metadata.json",
		from:   "data/iceberg/generated_spec2_0_001/pyspark_iceberg_table",
		counts: []int64{6005, 6005, 7690, 7690, 6592, 6592, 6592}, pgText: "ddb_pyspark_v2_deletes_schema_evolution.pg.txt",
		preds: []string{"l_partkey_int < 100", "schema_evol_added_col_1 IS NOT NULL", "l_shipdate_date >= '1995-01-01'"}},
	{dir: "ddb_partition_bucket", meta: "metadata/v2.metadata.json", from: "data/persistent/partition_bucket_test",
		counts: []int64{100},
		queries: [][2]string{
			{"SELECT count(*) FROM fx.fx.ddb_partition_bucket WHERE partition_col = 'partition_0'", "10"},
			{"SELECT count(*) FROM fx.fx.ddb_partition_bucket WHERE partition_col IN ('partition_0','partition_1','partition_2')", "30"},
			{"SELECT string_agg(id::text || ':' || name, ',' ORDER BY id) FROM fx.fx.ddb_partition_bucket WHERE partition_col = 'partition_5'",
				"5:user_5,15:user_15,25:user_25,35:user_35,45:user_45,55:user_55,65:user_65,75:user_75,85:user_85,95:user_95"},
			{"SELECT count(*) FROM fx.fx.ddb_partition_bucket WHERE partition_col BETWEEN 'partition_3' AND 'partition_7'", "50"}},
		preds: []string{"!partition_col = 'partition_0'", "!partition_col IN ('partition_0', 'partition_1')", "id < 10"}},
	{dir: "cxx_partition_evolution", meta: "metadata/00005-218c3743-5886-48b9-88d6-86c202862e0f.metadata.json",
		from: "s3a://warehouse/partition_evolution", counts: []int64{0, 6, 7},
		queries: [][2]string{{"SELECT string_agg(c1::text || '/' || c2::text || '/' || c3::text, ' ' ORDER BY c2, c1) FROM fx.fx.cxx_partition_evolution",
			"1/2025-03-02/-50.0 1/2025-03-03/0.0 2/2025-03-03/-1.0 1/2025-03-04/1.5 2/2025-03-04/42.0 1/2025-03-05/17.0 3/2025-03-11/2.0"}}},
	{dir: "cxx_deletion_vectors", meta: "metadata/00004-ae0294d0-1de5-4fab-97f1-cd80e0078fa4.metadata.json",
		from: "s3a://warehouse/deletion_vectors", counts: []int64{0, 8, 5, 13, 8}, // deletion vectors (Trino 480)
		csv: "cxx_deletion_vectors", sel: "c1, c2 ORDER BY c1", preds: []string{"c1 > 8", "c2 < 1000"}},
	{dir: "ddb_hive_partitioned_table", meta: "metadata/v4.metadata.json", from: "data/persistent/hive_partitioned_table",
		csv: "ddb_hive_partitioned_table", sel: "event_date::text, user_id, event_type ORDER BY event_date, user_id",
		counts:  []int64{2, 6},
		queries: [][2]string{{"SELECT user_id FROM fx.fx.ddb_hive_partitioned_table WHERE event_date = '2024-01-02'", "67890"}},
		preds:   []string{"!event_date = '2024-01-03'", "!event_type = 'view'", "!event_date >= '2024-01-03' AND event_type = 'click'"}},
	{dir: "ddb_uuid", meta: "metadata/00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json", from: "data/persistent/uuid",
		csv: "ddb_uuid", sel: "uuid::text ORDER BY uuid", unordered: true, counts: []int64{10},
		queries: [][2]string{{"SELECT uuid::text FROM fx.fx.ddb_uuid WHERE uuid = '1571effb-facd-42a3-90e9-0af522e9b6c2'", "1571effb-facd-42a3-90e9-0af522e9b6c2"}},
		preds:   []string{"uuid = '1571effb-facd-42a3-90e9-0af522e9b6c2'", "uuid > '8dc314d8-3fd4-4b3a-8bf5-c008f363c2e4'"}},
	{dir: "ddb_add_columns_with_defaults", meta: "metadata/00003-3f1801a5-7dfb-4072-b14a-39cd12f9279b.metadata.json",
		from: "data/persistent/add_columns_with_defaults/default.db/add_columns_with_defaults",
		csv:  "ddb_add_columns_with_defaults",
		sel: "col_boolean, col_integer, col_long, col_float::text, col_double::text, col_decimal::text, col_date::text, " +
			"col_time::text, col_timestamp::text, col_timestamptz::text, col_string, " + hexCol("col_fixed") + ", " + hexCol("col_binary") +
			" ORDER BY col_boolean, col_integer",
		counts: []int64{2, 3}},
	{dir: "ddb_partition_decimal_hugeint", meta: "metadata/v2.metadata.json", from: "data/persistent/partition_decimal_hugeint",
		csv: "ddb_partition_decimal_hugeint", sel: "partition_col::text AS p, user_id, event_type ORDER BY partition_col",
		counts:  []int64{15},
		queries: [][2]string{{"SELECT user_id FROM fx.fx.ddb_partition_decimal_hugeint WHERE partition_col = 3.14159265358979323846264", "314159"}},
		preds:   []string{"!partition_col = 0", "!partition_col > 1", "!partition_col < -9876.54321098765432109876543"}},
	{dir: "ddb_multi_blob_deletion_vectors", meta: "metadata/00003-multi-blob.metadata.json",
		from:   "file:///Users/thijs/DuckDBLabs/duckdb_iceberg/data/persistent/multi_blob_deletion_vectors/warehouse/default/multi_blob_deletion_vectors",
		counts: []int64{3, 6, 3}, // two deletion vectors in one Puffin file
		csv:    "ddb_multi_blob_deletion_vectors", sel: "id, source ORDER BY id"},
	{dir: "ddb_partition_timestamp_year", meta: "metadata/v2.metadata.json", from: "data/persistent/partition_timestamp_year",
		csv: "ddb_partition_timestamp_year", sel: "partition_col::text, user_id, event_type ORDER BY partition_col",
		counts:  []int64{3},
		queries: [][2]string{{"SELECT user_id FROM fx.fx.ddb_partition_timestamp_year WHERE partition_col >= '2021-01-01' AND partition_col < '2022-01-01'", "67890"}},
		preds:   []string{"!partition_col >= '2021-01-01'", "!partition_col < '2021-01-01'", "!partition_col = '2022-03-10 11:45:30'"}},
	{dir: "ddb_pyspark_v1_schema_evolution", meta: "metadata/v9.metadata.json",
		from:   "data/iceberg/generated_spec1_0_001/pyspark_iceberg_table",
		counts: []int64{6005, 6005, 7690, 7690, 7690, 7690, 7690}, parquetDir: "ddb_pyspark_v1_schema_evolution",
		preds: []string{"l_partkey_int < 100", "schema_evol_added_col_1 IS NOT NULL", "l_shipdate_date >= '1995-01-01'"}},
	{dir: "cxx_bucket_partitioning", meta: "metadata/00002-53948f10-cced-409f-8dd9-6dea096895e8.metadata.json",
		from: "s3a://warehouse/bucket_partitioning", counts: []int64{0, 1},
		queries: [][2]string{{"SELECT col_int, col_long, col_decimal::text, col_date::text, col_time::text, col_timestamp::text, col_string, col_uuid::text FROM fx.fx.cxx_bucket_partitioning",
			"1|2|3.00|2025-03-03|17:00:00|2025-03-03 00:00:00|some-string|12151fd2-7586-11e9-8f9e-2a86e4085a59"}},
		preds: []string{"col_int = 1", "!col_int = 2", "col_long = 2", "col_decimal = 3", "col_date = '2025-03-03'", "!col_date = '2025-03-04'",
			"col_time = '17:00:00'", "col_timestamp = '2025-03-03 00:00:00'", "col_string = 'some-string'", "!col_string = 'other'",
			"col_uuid = '12151fd2-7586-11e9-8f9e-2a86e4085a59'", "col_varbinary = 'some-varbinary'::bytea"}},
	{dir: "cxx_identity_partitioning", meta: "metadata/00002-30bff4d8-0c4f-46a9-8e7a-ebea458dbb1d.metadata.json",
		from: "s3a://warehouse/identity_partitioning", counts: []int64{0, 1},
		queries: [][2]string{{"SELECT col_bool, col_int, col_long, col_float::text, col_double::text, col_decimal::text, col_date::text, col_time::text, col_timestamp::text, col_string, col_uuid::text, " +
			"col_varbinary = 'some-varbinary'::bytea FROM fx.fx.cxx_identity_partitioning",
			"false|1|2|2.25|2.375|3.00|2025-03-03|17:00:00|2025-03-03 00:00:00|some-string|12151fd2-7586-11e9-8f9e-2a86e4085a59|true"}},
		preds: []string{"col_bool = false", "!col_bool", "col_int = 1", "col_long = 2", "col_float = 2.25", "col_double = 2.375", "col_decimal = 3.00",
			"col_date = '2025-03-03'", "col_time = '17:00:00'", "col_timestamp = '2025-03-03 00:00:00'", "col_string = 'some-string'",
			"col_uuid = '12151fd2-7586-11e9-8f9e-2a86e4085a59'", "col_varbinary = 'some-varbinary'::bytea", "!col_int > 1"}},
	{dir: "cxx_decimal_partitioning", meta: "metadata/00002-1f7414b4-70da-433f-8a71-40192d2942fc.metadata.json",
		from: "s3a://warehouse/decimal_partitioning", counts: []int64{0, 1},
		preds: []string{"col_decimal_9_2 > 0", "!col_decimal_18_2 > 0", "!col_decimal_19_2 > 0", "!col_decimal_38_2 > 0", "col_decimal_38_2 <= 0"}},
	{dir: "cxx_year_date_partitioning", meta: "metadata/00002-b30c996e-fb0e-4ebc-a987-3536ceb792ea.metadata.json",
		from: "s3a://warehouse/year_date_partitioning", counts: []int64{0, 3}, preds: timePreds},
	{dir: "cxx_year_timestamp_partitioning", meta: "metadata/00002-ac56aa65-6214-44b3-bb0f-86728eb58d8b.metadata.json",
		from: "s3a://warehouse/year_timestamp_partitioning", counts: []int64{0, 3}, preds: timePreds},
	{dir: "cxx_year_timestamptz_partitioning", meta: "metadata/00002-d52e2c04-065b-4d14-98bb-ec47abcd1597.metadata.json",
		from: "s3a://warehouse/year_timestamptz_partitioning", counts: []int64{0, 3}, preds: tzPreds},
	{dir: "cxx_month_timestamptz_partitioning", meta: "metadata/00002-f44ed222-470e-4e33-b813-6646d434b185.metadata.json",
		from: "s3a://warehouse/month_timestamptz_partitioning", counts: []int64{0, 3}, preds: tzPreds},
	{dir: "cxx_day_timestamptz_partitioning", meta: "metadata/00002-bf5ed300-c344-41fe-87ad-0d1190705bf9.metadata.json",
		from: "s3a://warehouse/day_timestamptz_partitioning", counts: []int64{0, 3}, preds: tzPreds},
	{dir: "cxx_hour_timestamptz_partitioning", meta: "metadata/00002-aa3a65d9-0e43-452c-a96f-2ec0194f0104.metadata.json",
		from: "s3a://warehouse/hour_timestamptz_partitioning", counts: []int64{0, 3}, preds: tzPreds},
	{dir: "cxx_partitioning_with_null_value", meta: "metadata/00002-39819572-24a4-4c4f-bfe1-63693ece734f.metadata.json",
		from: "s3a://warehouse/partitioning_with_null_value", counts: []int64{0, 4},
		queries: [][2]string{
			{"SELECT string_agg(coalesce(c1::text, 'N') || '/' || coalesce(c2::text, 'N') || '/' || c3::text, ' ' ORDER BY c3) FROM fx.fx.cxx_partitioning_with_null_value",
				"1/N/-50.0 2/2025-03-03/-1.0 N/2025-03-03/0.0 N/N/17.0"},
			{"SELECT count(*) FROM fx.fx.cxx_partitioning_with_null_value WHERE c1 IS NULL", "2"},
			{"SELECT count(*) FROM fx.fx.cxx_partitioning_with_null_value WHERE c2 IS NULL", "2"},
			{"SELECT count(*) FROM fx.fx.cxx_partitioning_with_null_value WHERE c1 IS NOT NULL AND c2 IS NOT NULL", "1"},
			{"SELECT count(*) FROM fx.fx.cxx_partitioning_with_null_value WHERE c2 = '2025-03-03'", "2"}},
		preds: []string{"!c1 = 1", "!c1 IS NULL", "!c2 IS NULL", "!c2 = '2025-03-03'", "c1 <> 2"}},
	{dir: "cxx_refdeletes3", meta: "metadata/00002-8dbf0bf0-882a-4822-ae9c-ec1c0f34ef6d.metadata.json",
		from: "s3://warehouse/prod/db/refdeletes3", counts: []int64{16, 10}, preds: []string{"a > 5", "!b < 3"}},
	{dir: "cxx_all_spark_types", meta: "metadata/00000-4f9d7c78-62f9-48c6-b869-f25172b45b32.metadata.json",
		from: "s3://warehouse/types/all_spark_types", counts: []int64{1}},
	{dir: "cxx_all_trino_types", meta: "metadata/00002-6105d5eb-ce39-470c-af78-50b744662ef2.metadata.json",
		from: "s3a://warehouse/types/all_trino_types", counts: []int64{0, 1}},
	{dir: "cxx_decimals", meta: "metadata/00000-93fb1a3e-cf50-4083-af65-68d07b84c5ad.metadata.json",
		from: "s3://warehouse/types/decimals", counts: []int64{1}},
	{dir: "cxx_nested_map_struct", meta: "metadata/00000-27b520d0-8020-43cb-b051-4eef7c1636af.metadata.json",
		from: "s3://warehouse/types/unsupported_types", counts: []int64{1}},
	{dir: "cxx_streams_default_value", meta: "metadata/00014-c179c339-e10a-486b-b075-144f5e5b101a.metadata.json",
		from: "s3a://warehouse/streams/default_value", counts: []int64{1, 2},
		csv: "cxx_streams_default_value", sel: streamsSel},
	{name: "streams_default_values", dir: "cxx_streams_default_value", meta: "metadata/DefaultValues.json",
		from: "s3a://warehouse/streams/default_value", counts: []int64{1, 2},
		csv: "cxx_streams_default_value.DefaultValues", sel: streamsSel},
	{dir: "cxx_gperov_test", meta: "metadata/00007-2ed28880-9928-4670-934a-bda11c8130c9.metadata.json",
		from: "s3://warehouse/gperov/test", counts: []int64{0, 10000, 9999, 10000, 10001},
		preds: []string{"a < 100", "b > 5000", "!a = 0"}},
	{dir: "imp_v2_delete_equality_partitioned", meta: "metadata/v5.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_v2_delete_equality_partitioned",
		csv:  "imp_v2_delete_equality_partitioned", sel: "i, s, d::text ORDER BY d, s",
		counts: []int64{-3, -3, -3, 6},
		preds:  []string{"!d = '2023-12-24'", "!d > '2023-12-24'", "s = 'str2'"}},
	{dir: "imp_v2_delete_both_eq_and_pos", meta: "metadata/v4.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_v2_delete_both_eq_and_pos",
		csv:  "imp_v2_delete_both_eq_and_pos", sel: "i, s, d::text ORDER BY i",
		counts: []int64{-3, -3, 2}},
	{dir: "imp_v2_equality_delete_schema_evolution", meta: "metadata/v6.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_v2_equality_delete_schema_evolution",
		csv:  "imp_v2_equality_delete_schema_evolution", sel: "i, d::text, str, j ORDER BY d",
		counts: []int64{5, 3, 3},
		// Time travel reads with the snapshot's schema, where str was still s.
		queries: [][2]string{{`SELECT string_agg(i::text || '/' || d::text || '/' || s, ' ' ORDER BY i)
			FROM fx."imp_v2_equality_delete_schema_evolution@3986738438831924669"`, "1/2024-03-20/str1 4/2024-03-21/str4 5/2024-03-22/str5"}},
		preds: []string{"!d = '2024-03-21'", "j IS NULL", "d >= '2024-03-21'"}},
	{dir: "imp_v2_delete_equality_nulls", meta: "metadata/v4.metadata.json",
		from:   "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_v2_delete_equality_nulls",
		counts: []int64{3, -3, 3},
		queries: [][2]string{
			{"SELECT string_agg(coalesce(i::text, 'N') || '/' || s, ' ' ORDER BY s) FROM fx.fx.imp_v2_delete_equality_nulls", "1/str1 4/str4 N/str5"},
			{`SELECT string_agg(coalesce(i::text, 'N') || '/' || s, ' ' ORDER BY s) FROM fx."imp_v2_delete_equality_nulls@4346796256488077976"`, "1/str1 N/str2 3/str3"}},
		preds: []string{"i IS NULL", "i > 1"}},
	{dir: "imp_v3_deletion_vectors", meta: "metadata/v3.metadata.json",
		from: "hdfs://localhost:20500/test-warehouse/iceberg_v3_deletion_vectors", counts: []int64{5, 3}, // deletion vectors (Spark 4.0)
		csv: "imp_v3_deletion_vectors", sel: "i ORDER BY i", preds: []string{"i = 2", "i >= 3"}},
	{dir: "imp_v3_all_types_defaults", meta: "metadata/v4.metadata.json",
		from: "hdfs://localhost:20500/test-warehouse/iceberg_v3_all_types", counts: []int64{1, 2},
		csv: "imp_v3_all_types_defaults",
		sel: "id, col_boolean, col_int, col_bigint, col_float::double::text, col_double::text, col_decimal::text, col_string, " +
			"col_date::text, col_timestamp::text, col_timestamp_epoch::text, col_timestamp_iso::text ORDER BY id"},
	{dir: "imp_trino_variant", meta: "metadata/v2.metadata.json", from: "/test-warehouse/trino_variant", counts: []int64{-1, -1}},
	{dir: "imp_iceberg_partitioned", meta: "metadata/v2.metadata.json", from: "/test-warehouse/iceberg_test/iceberg_partitioned",
		counts: []int64{20},
		queries: [][2]string{
			{"SELECT count(*) FROM fx.fx.imp_iceberg_partitioned WHERE action LIKE 'c%'", "6"},
			{"SELECT count(*) FROM fx.fx.imp_iceberg_partitioned WHERE action LIKE 'c%' OR action LIKE 'd%'", "12"},
			{"SELECT count(*) FROM fx.fx.imp_iceberg_partitioned WHERE action LIKE 'v%'", "8"}},
		preds: []string{"!action = 'click'", "!action IN ('click', 'view')", "!event_time >= '2020-01-01 11:00:00+00'",
			"!event_time < '2020-01-01 10:30:00+00' AND action <> 'view'"}},
	{dir: "imp_legacy_partition_schema_evolution", meta: "metadata/v2.metadata.json",
		from: "/test-warehouse/iceberg_test/hadoop_catalog/ice/iceberg_legacy_partition_schema_evolution",
		csv:  "imp_legacy_partition_schema_evolution", sel: "p_int_long, p_float_double::text, p_dec_dec::text, i ORDER BY p_dec_dec",
		counts:  []int64{2},
		queries: [][2]string{{"SELECT i FROM fx.fx.imp_legacy_partition_schema_evolution WHERE p_dec_dec = 2.718", "2"}},
		preds:   []string{"!p_dec_dec = 2.718", "p_int_long = 1", "p_float_double > 1"}},
}

// timePreds exercise year/month/day/hour pruning on column c2 of the iceberg-cxx
// transform fixtures (table c1 int, c2 date|timestamp|timestamptz, c3 double).
var timePreds = []string{"!c2 >= '2025-01-01'", "!c2 < '2025-03-01'", "c2 >= '2024-06-01' AND c2 < '2025-06-01'", "c1 = 1", "c2 = '2025-03-03'"}

// tzPreds are timePreds for a timestamptz c2 (rows at 2024-03-03 23:52 and 2025-03-03
// 22:00 and 23:00 UTC, or NULL).
var tzPreds = []string{"!c2 >= '2025-01-01 00:00:00+00'", "!c2 < '2025-03-01 00:00:00+00'", "!c2 = '2024-03-03 23:52:00+00'",
	"c2 >= '2024-03-03 23:00:00+00' AND c2 < '2024-03-04 00:00:00+00'", "c2 IS NULL", "c1 = 1"}

const streamsSel = "id, boolean_col, integer_col, long_col, float_col::text, double_col::text, decimal_col::text, string_col, " +
	"lower(hex(binary_col)), date_col::text, timestamp_col::text, timestamptz_col::text, array_to_string(array_col, ',') ORDER BY id"

// hexCol renders a binary column as the lower-case hex digits of its bytes.
func hexCol(col string) string { return "lower(hex(" + col + "))" }

func (f fixtureCase) table() string {
	if f.name != "" {
		return f.name
	}
	return f.dir
}

// fixturesRoot is LAKEGATE_ICEBERG_FIXTURES if set, else the copy of the shared
// fixtures kept in testdata/iceberg-fixtures (see its README for sources and
// licences); "" if neither holds the fixtures' README.
func fixturesRoot() string {
	root := os.Getenv("LAKEGATE_ICEBERG_FIXTURES")
	if root == "" {
		root = filepath.Join("testdata", "iceberg-fixtures")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(abs, "README.md")); err != nil {
		return ""
	}
	return abs
}

func fixturesConfig(t *testing.T) string {
	root := fixturesRoot()
	if root == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("  fx:\n    type: static\n    tables:\n")
	for _, f := range fixtureCases {
		fmt.Fprintf(&b, "      fx.%s: file://%s\n", f.table(), filepath.Join(root, f.dir, f.meta))
	}
	b.WriteString("    remap:\n")
	seen := map[string]bool{}
	for _, f := range fixtureCases {
		if !seen[f.from] {
			seen[f.from] = true
			fmt.Fprintf(&b, "      %q: %q\n", f.from, "file://"+filepath.Join(root, f.dir))
		}
	}
	// A top-level key (it ends the catalogs block): decoded deletion vectors go to
	// the test's directory, not the user's cache.
	fmt.Fprintf(&b, "cache_dir: %q\n", t.TempDir())
	return b.String()
}

// readCSV reads expected/<name>.csv as rows of cells joined by "|", normalised as
// fixtureCell does; the header is dropped.
func readCSV(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rec := range recs[1:] {
		for j, cell := range rec {
			rec[j] = fixtureCell(cell)
		}
		out = append(out, strings.Join(rec, "|"))
	}
	return out
}

var binaryCell = regexp.MustCompile(`^(\\x[0-9A-Fa-f]{2})+$`)

// fixtureCell maps the expected CSVs' conventions to the way the fixture queries
// render values: empty is NULL, \x.. escapes are lower-case hex digits, a JSON
// array of strings is its elements joined by commas.
func fixtureCell(c string) string {
	switch {
	case c == "":
		return "NULL"
	case binaryCell.MatchString(c):
		return strings.ToLower(strings.ReplaceAll(c, `\x`, ""))
	case strings.HasPrefix(c, "[") && strings.HasSuffix(c, "]"):
		var elems []string
		if json.Unmarshal([]byte(c), &elems) == nil {
			return strings.Join(elems, ",")
		}
	}
	return c
}

// sameRows compares rendered rows cell by cell; cells that both parse as numbers
// are equal within a relative 1e-6 (float4 values print with fewer digits than
// their widened doubles).
func sameRows(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := strings.Split(got[i], "|"), strings.Split(want[i], "|")
		if len(g) != len(w) {
			return false
		}
		for j := range g {
			if g[j] == w[j] {
				continue
			}
			a, err1 := strconv.ParseFloat(g[j], 64)
			b, err2 := strconv.ParseFloat(w[j], 64)
			if err1 != nil || err2 != nil || math.Abs(a-b) > 1e-6*math.Max(math.Abs(a), math.Abs(b)) {
				return false
			}
		}
	}
	return true
}

var fixtureFilesLine = regexp.MustCompile(`Data files: (\d+) scanned, (\d+) skipped of (\d+)`)

func testFixtures(t *testing.T, l *iceLake) {
	root := fixturesRoot()
	if root == "" {
		t.Fatal("testdata/iceberg-fixtures is missing (or LAKEGATE_ICEBERG_FIXTURES names no fixtures)")
	}
	c := l.connect(t, "fx")
	ctx := testCtx(t)
	if _, err := c.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtureCases {
		t.Run(f.table(), func(t *testing.T) {
			name := "fx.fx." + f.table()
			if f.csv != "" {
				want := readCSV(t, filepath.Join(root, "expected", f.csv+".csv"))
				sql := "SELECT " + strings.Replace(f.sel, " ORDER BY", " FROM "+name+" ORDER BY", 1)
				got := queryStrings(t, c, sql)
				if f.unordered {
					slices.Sort(got)
					slices.Sort(want)
				}
				if !sameRows(got, want) {
					t.Errorf("%s\n got %q\nwant %q", sql, got, want)
				}
			}
			if f.parquetDir != "" {
				compareParquetAggregates(t, c, filepath.Join(root, "expected", f.parquetDir), name)
			}
			if f.pgText != "" {
				comparePGText(t, c, filepath.Join(root, "expected", f.pgText), name)
			}
			for _, q := range f.queries {
				wantRows(t, c, []string{q[1]}, q[0])
			}
			for _, p := range f.preds {
				mustSkip := strings.HasPrefix(p, "!")
				p = strings.TrimPrefix(p, "!")
				full := queryStrings(t, c, fmt.Sprintf("SELECT count(*) FILTER (WHERE %s) FROM %s", p, name))
				wantRows(t, c, full, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", name, p))
				plan := strings.Join(queryStrings(t, c, fmt.Sprintf("EXPLAIN SELECT count(*) FROM %s WHERE %s", name, p)), "\n")
				m := fixtureFilesLine.FindStringSubmatch(plan)
				if m == nil {
					t.Errorf("EXPLAIN ... WHERE %s shows no data-file figures:\n%s", p, plan)
				} else if t.Logf("WHERE %s: %s rows; %s", p, full[0], m[0]); mustSkip && m[2] == "0" {
					t.Errorf("WHERE %s (%s rows of the table match) skipped no data file: %s", p, full[0], m[0])
				}
			}
			if len(f.counts) == 0 {
				return
			}
			var ids []int64
			for _, s := range queryStrings(t, c, fmt.Sprintf(`SELECT snapshot_id FROM fx."%s$snapshots" ORDER BY committed_at, snapshot_id`, f.table())) {
				id, _ := strconv.ParseInt(s, 10, 64)
				ids = append(ids, id)
			}
			if len(ids) != len(f.counts) {
				t.Fatalf("%d snapshots, want %d", len(ids), len(f.counts))
			}
			for i, want := range f.counts {
				sql := fmt.Sprintf(`SELECT count(*) FROM fx."%s@%d"`, f.table(), ids[i])
				if want == -3 {
					queryStrings(t, c, sql)
					continue
				}
				if want < 0 {
					wantCode(t, c, map[int64]string{-1: "0A000", -2: "58030"}[want], sql, f.table())
					continue
				}
				var n int64
				if err := c.QueryRow(ctx, sql).Scan(&n); err != nil || n != want {
					t.Errorf("%s: %d, %v; want %d", sql, n, err, want)
				}
			}
			// Every column of the current snapshot reads (the count above may be
			// answered without decoding them).
			if last := f.counts[len(f.counts)-1]; last == -3 {
				queryStrings(t, c, "SELECT * FROM "+name)
			} else if last >= 0 {
				if got := len(queryStrings(t, c, "SELECT * FROM "+name)); int64(got) != last {
					t.Errorf("SELECT * FROM %s: %d rows, want %d", name, got, last)
				}
			} else {
				wantCode(t, c, map[int64]string{-1: "0A000", -2: "58030"}[last], "SELECT * FROM "+name, f.table())
			}
		})
	}
}

// comparePGText checks the rows of table name against a file of expected rows as
// PostgreSQL prints them, reading the gateway's text-format result columns as sent.
func comparePGText(t *testing.T, c *pgx.Conn, path, name string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	cols := strings.Split(lines[0], "\x1f")
	for i, col := range cols {
		cols[i] = `"` + col + `"`
	}
	want := lines[1:]
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + name
	res := c.PgConn().ExecParams(testCtx(t), sql, nil, nil, nil, []int16{0}).Read()
	if res.Err != nil {
		t.Fatalf("%s: %v", sql, res.Err)
	}
	got := make([]string, len(res.Rows))
	for i, row := range res.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			if v == nil {
				cells[j] = `\N`
			} else {
				cells[j] = string(v)
			}
		}
		got[i] = strings.Join(cells, "\x1f")
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", sql, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			if bad++; bad <= 3 {
				t.Errorf("%s: row %d\n got %q\nwant %q", sql, i, got[i], want[i])
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d rows differ", sql, bad, len(want))
	}
}

// compareParquetAggregates checks table name against the Parquet files of dir: row
// count, and per integer or string column of the files the non-NULL count and the
// sum (of values, or of lengths), computed here with parquet-go.
func compareParquetAggregates(t *testing.T, c *pgx.Conn, dir, name string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if len(paths) == 0 {
		t.Fatalf("no Parquet files in %s", dir)
	}
	type agg struct {
		str      bool
		n        int64
		sum      int64
		nonNulls int64
	}
	aggs := map[string]*agg{}
	var names []string
	var rows int64
	for _, p := range paths {
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		pf, err := parquet.OpenFile(fh, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		fields := pf.Schema().Fields()
		for _, fld := range fields {
			if !fld.Leaf() || aggs[fld.Name()] != nil {
				continue
			}
			switch k := fld.Type().Kind(); {
			case k == parquet.Int32 || k == parquet.Int64:
				if lt := fld.Type().LogicalType(); lt != nil && lt.Value != nil && !strings.HasPrefix(lt.String(), "INT") {
					continue // decimal, date, time, timestamp
				}
				aggs[fld.Name()] = &agg{}
			case k == parquet.ByteArray && fld.Type().LogicalType() != nil && strings.Contains(fld.Type().LogicalType().String(), "STRING"):
				aggs[fld.Name()] = &agg{str: true}
			default:
				continue
			}
			names = append(names, fld.Name())
		}
		r := parquet.NewReader(pf)
		buf := make([]parquet.Row, 256)
		for {
			n, err := r.ReadRows(buf)
			for _, row := range buf[:n] {
				rows++
				for _, v := range row {
					a := aggs[fields[v.Column()].Name()]
					if a == nil || v.IsNull() {
						continue
					}
					a.nonNulls++
					if a.str {
						a.sum += int64(len([]rune(string(v.ByteArray()))))
					} else {
						a.sum += v.Int64()
					}
				}
			}
			if err != nil {
				break
			}
		}
		r.Close()
		fh.Close()
	}
	slices.Sort(names)
	exprs := []string{"count(*)"}
	want := []string{strconv.FormatInt(rows, 10)}
	for _, n := range names {
		a := aggs[n]
		col := catalogQuote(n)
		if a.str {
			exprs = append(exprs, fmt.Sprintf("count(%s)", col), fmt.Sprintf("coalesce(sum(length(%s)), 0)::text", col))
		} else {
			exprs = append(exprs, fmt.Sprintf("count(%s)", col), fmt.Sprintf("coalesce(sum(%s::bigint), 0)::text", col))
		}
		want = append(want, strconv.FormatInt(a.nonNulls, 10), strconv.FormatInt(a.sum, 10))
	}
	wantRows(t, c, []string{strings.Join(want, "|")}, "SELECT "+strings.Join(exprs, ", ")+" FROM "+name)
}

func catalogQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
