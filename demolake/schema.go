package demolake

import (
	"fmt"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// tableDef is everything needed to create one demo table.
type tableDef struct {
	name    string
	comment string
	schema  *iceberg.Schema
	// partition adds the spec's fields; nil means unpartitioned.
	partition func(*iceberg.Schema) (iceberg.PartitionSpec, error)
	props     iceberg.Properties
}

// Field ids are fixed so expectations (and the partition specs) can name them.
const (
	productsIDField       = 1
	salesSaleIDField      = 1
	salesTSField          = 4
	kpisProductIDField    = 1
	kpisDayField          = 2
	storesStoreIDField    = 1
	partitionFieldIDStart = 1000
)

func field(id int, name string, typ iceberg.Type, required bool, doc string) iceberg.NestedField {
	return iceberg.NestedField{ID: id, Name: name, Type: typ, Required: required, Doc: doc}
}

// commonProps are shared by every demo table.
func commonProps(comment string, rowGroupRows int) iceberg.Properties {
	return iceberg.Properties{
		table.PropertyFormatVersion:       "2",
		"comment":                         comment,
		table.WriteTargetFileSizeBytesKey: fmt.Sprint(64 << 20),
		table.ParquetRowGroupLimitKey:     fmt.Sprint(rowGroupRows),
		table.ParquetCompressionKey:       "zstd",
	}
}

func productsDef() tableDef {
	const comment = "Products the chain sells; price is the current shelf price."

	return tableDef{
		name:    TableProducts,
		comment: comment,
		schema: iceberg.NewSchemaWithIdentifiers(0, []int{productsIDField},
			field(productsIDField, "product_id", iceberg.PrimitiveTypes.Int64, true, "Product identifier, 1..N."),
			field(2, "name", iceberg.PrimitiveTypes.String, false, "Display name."),
			field(3, "category", iceberg.PrimitiveTypes.String, false, "Category from a fixed list of twelve."),
			field(4, "price", iceberg.DecimalTypeOf(10, 2), false, "Shelf price in dollars, 0.99..999.99."),
			field(5, "active", iceberg.PrimitiveTypes.Bool, false, "Whether the product is still sold."),
		),
		props: commonProps(comment, 1000),
	}
}

func storesDef() tableDef {
	const comment = "The chain's stores."

	return tableDef{
		name:    TableStores,
		comment: comment,
		schema: iceberg.NewSchemaWithIdentifiers(0, []int{storesStoreIDField},
			field(storesStoreIDField, "store_id", iceberg.PrimitiveTypes.Int32, true, "Store identifier, 1..40."),
			field(2, "city", iceberg.PrimitiveTypes.String, false, "City the store is in."),
			field(3, "opened", iceberg.PrimitiveTypes.Date, false, "Opening day; the store has no sales before it."),
		),
		props: commonProps(comment, 1000),
	}
}

func salesDef() tableDef {
	const comment = "One row per sale (receipt line), 2024-01-01..2025-12-31."
	props := commonProps(comment, salesRowGroupRows)
	props[table.WriteDeleteModeKey] = table.WriteModeMergeOnRead

	return tableDef{
		name:    TableSales,
		comment: comment,
		schema: iceberg.NewSchemaWithIdentifiers(0, []int{salesSaleIDField},
			field(salesSaleIDField, "sale_id", iceberg.PrimitiveTypes.Int64, true, "Sale identifier, increasing with ts."),
			field(2, "product_id", iceberg.PrimitiveTypes.Int64, false, "Product sold (products.product_id)."),
			field(3, "store_id", iceberg.PrimitiveTypes.Int32, false, "Store that sold it (stores.store_id)."),
			field(salesTSField, "ts", iceberg.PrimitiveTypes.Timestamp, false, "Local time of the sale, microseconds."),
			field(5, "qty", iceberg.PrimitiveTypes.Int32, false, "Units sold, 1..10."),
			field(6, "amount", iceberg.PrimitiveTypes.Float64, false, "qty * price * (1 - discount), in dollars, rounded to cents."),
		),
		partition: func(sc *iceberg.Schema) (iceberg.PartitionSpec, error) {
			id := partitionFieldIDStart

			return iceberg.NewPartitionSpecOpts(
				iceberg.AddPartitionFieldBySourceID(salesTSField, "ts_day", iceberg.DayTransform{}, sc, &id))
		},
		props: props,
	}
}

func kpisDef() tableDef {
	const comment = "Daily per-product KPIs derived from sales, with a forecast and a price recommendation."

	return tableDef{
		name:    TableProductKPIs,
		comment: comment,
		schema: iceberg.NewSchemaWithIdentifiers(0, []int{kpisProductIDField, kpisDayField},
			field(kpisProductIDField, "product_id", iceberg.PrimitiveTypes.Int64, true, "Product (products.product_id)."),
			field(kpisDayField, "day", iceberg.PrimitiveTypes.Date, true, "Calendar day."),
			field(3, "revenue", iceberg.PrimitiveTypes.Float64, false, "Sum of sales.amount for the product that day."),
			field(4, "units", iceberg.PrimitiveTypes.Int64, false, "Sum of sales.qty for the product that day."),
			field(5, "forecast", iceberg.PrimitiveTypes.Float64, false, "Forecast revenue for the day."),
			field(6, "price_reco", iceberg.DecimalTypeOf(10, 2), false, "Recommended shelf price."),
		),
		partition: func(sc *iceberg.Schema) (iceberg.PartitionSpec, error) {
			id := partitionFieldIDStart

			return iceberg.NewPartitionSpecOpts(
				iceberg.AddPartitionFieldBySourceID(kpisDayField, "day_month", iceberg.MonthTransform{}, sc, &id))
		},
		props: commonProps(comment, kpisRowGroupRows),
	}
}

// Row-group row limits. Sales: about three row groups per day file at scale
// 1 (about 2,700 rows a day). KPIs: a few row groups per month file.
const (
	salesRowGroupRows = 1000
	kpisRowGroupRows  = 16384
)
