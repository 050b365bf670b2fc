package tpch

import (
	"github.com/apache/iceberg-go"
)

// Column is one column of a TPC-H table.
type Column struct {
	Name string
	Type iceberg.Type
	// PG is the PostgreSQL type.
	PG string
}

// Table describes one TPC-H table.
type Table struct {
	Name    string
	Columns []Column
	// PrimaryKey names the primary key columns.
	PrimaryKey []string
	// Indexes are the secondary indexes loaded into PostgreSQL, one column list each.
	Indexes [][]string
	// PartitionColumn and PartitionTransform give the Iceberg partitioning; ""
	// means unpartitioned.
	PartitionColumn    string
	PartitionTransform iceberg.Transform
}

var (
	tInt    = iceberg.PrimitiveTypes.Int32
	tLong   = iceberg.PrimitiveTypes.Int64
	tStr    = iceberg.PrimitiveTypes.String
	tDate   = iceberg.PrimitiveTypes.Date
	tMoney  = iceberg.DecimalTypeOf(15, 2)
	pgMoney = "numeric(15,2)"
)

// Tables lists the eight TPC-H tables, small ones first.
var Tables = []Table{
	{Name: "region", Columns: []Column{
		{"r_regionkey", tInt, "integer"}, {"r_name", tStr, "text"}, {"r_comment", tStr, "text"},
	}, PrimaryKey: []string{"r_regionkey"}},
	{Name: "nation", Columns: []Column{
		{"n_nationkey", tInt, "integer"}, {"n_name", tStr, "text"}, {"n_regionkey", tInt, "integer"},
		{"n_comment", tStr, "text"},
	}, PrimaryKey: []string{"n_nationkey"}, Indexes: [][]string{{"n_regionkey"}}},
	{Name: "supplier", Columns: []Column{
		{"s_suppkey", tInt, "integer"}, {"s_name", tStr, "text"}, {"s_address", tStr, "text"},
		{"s_nationkey", tInt, "integer"}, {"s_phone", tStr, "text"}, {"s_acctbal", tMoney, pgMoney},
		{"s_comment", tStr, "text"},
	}, PrimaryKey: []string{"s_suppkey"}, Indexes: [][]string{{"s_nationkey"}}},
	{Name: "part", Columns: []Column{
		{"p_partkey", tInt, "integer"}, {"p_name", tStr, "text"}, {"p_mfgr", tStr, "text"},
		{"p_brand", tStr, "text"}, {"p_type", tStr, "text"}, {"p_size", tInt, "integer"},
		{"p_container", tStr, "text"}, {"p_retailprice", tMoney, pgMoney}, {"p_comment", tStr, "text"},
	}, PrimaryKey: []string{"p_partkey"}},
	{Name: "partsupp", Columns: []Column{
		{"ps_partkey", tInt, "integer"}, {"ps_suppkey", tInt, "integer"}, {"ps_availqty", tInt, "integer"},
		{"ps_supplycost", tMoney, pgMoney}, {"ps_comment", tStr, "text"},
	}, PrimaryKey: []string{"ps_partkey", "ps_suppkey"}, Indexes: [][]string{{"ps_suppkey"}}},
	{Name: "customer", Columns: []Column{
		{"c_custkey", tInt, "integer"}, {"c_name", tStr, "text"}, {"c_address", tStr, "text"},
		{"c_nationkey", tInt, "integer"}, {"c_phone", tStr, "text"}, {"c_acctbal", tMoney, pgMoney},
		{"c_mktsegment", tStr, "text"}, {"c_comment", tStr, "text"},
	}, PrimaryKey: []string{"c_custkey"}, Indexes: [][]string{{"c_nationkey"}}},
	{Name: "orders", Columns: []Column{
		{"o_orderkey", tLong, "bigint"}, {"o_custkey", tInt, "integer"}, {"o_orderstatus", tStr, "text"},
		{"o_totalprice", tMoney, pgMoney}, {"o_orderdate", tDate, "date"}, {"o_orderpriority", tStr, "text"},
		{"o_clerk", tStr, "text"}, {"o_shippriority", tInt, "integer"}, {"o_comment", tStr, "text"},
	}, PrimaryKey: []string{"o_orderkey"}, Indexes: [][]string{{"o_custkey"}, {"o_orderdate"}},
		PartitionColumn: "o_orderdate", PartitionTransform: iceberg.YearTransform{}},
	{Name: "lineitem", Columns: []Column{
		{"l_orderkey", tLong, "bigint"}, {"l_partkey", tInt, "integer"}, {"l_suppkey", tInt, "integer"},
		{"l_linenumber", tInt, "integer"}, {"l_quantity", tMoney, pgMoney}, {"l_extendedprice", tMoney, pgMoney},
		{"l_discount", tMoney, pgMoney}, {"l_tax", tMoney, pgMoney}, {"l_returnflag", tStr, "text"},
		{"l_linestatus", tStr, "text"}, {"l_shipdate", tDate, "date"}, {"l_commitdate", tDate, "date"},
		{"l_receiptdate", tDate, "date"}, {"l_shipinstruct", tStr, "text"}, {"l_shipmode", tStr, "text"},
		{"l_comment", tStr, "text"},
	}, PrimaryKey: []string{"l_orderkey", "l_linenumber"},
		Indexes:         [][]string{{"l_partkey", "l_suppkey"}, {"l_suppkey"}, {"l_shipdate"}},
		PartitionColumn: "l_shipdate", PartitionTransform: iceberg.MonthTransform{}},
}

// TableByName returns the table called name.
func TableByName(name string) (Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// IcebergSchema is the table's Iceberg schema; field ids are 1..n in column
// order, and the primary key columns are required identifier fields.
func (t Table) IcebergSchema() *iceberg.Schema {
	fields := make([]iceberg.NestedField, len(t.Columns))
	var ids []int
	for i, c := range t.Columns {
		req := false
		for _, k := range t.PrimaryKey {
			if k == c.Name {
				req = true
				ids = append(ids, i+1)
			}
		}
		fields[i] = iceberg.NestedField{ID: i + 1, Name: c.Name, Type: c.Type, Required: req}
	}
	return iceberg.NewSchemaWithIdentifiers(0, ids, fields...)
}
