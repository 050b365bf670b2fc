package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pushdown"
)

// Row lineage (format v3): every row has a _row_id and a
// _last_updated_sequence_number. A data file may store them (field ids 2147483540
// and 2147483539, written when rows are rewritten); where it stores none or NULL, a
// row inherits its file's first_row_id plus its position in the file, and the data
// sequence number of the file's manifest entry. A schema handed to TableScanSQL that
// holds these fields (the planner adds them only when a statement names them) gets
// them computed so: the stored column is read by field id through the schema map,
// the position is read_parquet's file_row_number (counted before deletes, as the
// spec's _pos), and each file's two constants are joined on by its path.

// isLineageField reports whether f is one of the row lineage metadata columns.
func isLineageField(f iceberg.NestedField) bool {
	return f.ID == iceberg.RowIDFieldID || f.ID == iceberg.LastUpdatedSequenceNumberFieldID
}

// hasLineage reports whether fields include a row lineage column.
func hasLineage(fields []iceberg.NestedField) bool {
	for _, f := range fields {
		if isLineageField(f) {
			return true
		}
	}
	return false
}

// lineageAlias is the relation of per-file lineage constants in a group's scan.
const lineageAlias = "lg"

// lineageColumns selects fields from the scan aliased d, each lineage column
// computed from its stored value and the file's constants in lineageAlias.
func lineageColumns(fields []iceberg.NestedField) string {
	cols := make([]string, len(fields))
	for i, f := range fields {
		q := catalog.QuoteIdent(f.Name)
		switch f.ID {
		case iceberg.RowIDFieldID:
			cols[i] = fmt.Sprintf("COALESCE(d.%s, %s.first_row_id + d.file_row_number) AS %s", q, lineageAlias, q)
		case iceberg.LastUpdatedSequenceNumberFieldID:
			cols[i] = fmt.Sprintf("COALESCE(d.%s, %s.data_seq) AS %s", q, lineageAlias, q)
		default:
			cols[i] = "d." + q
		}
	}
	return strings.Join(cols, ", ")
}

// lineageJoinSQL joins each row of the scan aliased d to its file's first_row_id
// and data sequence number. A file without a first_row_id (read at a snapshot from
// before the table was upgraded to v3) has no lineage: both are NULL, as the spec
// says for snapshots without first-row-id and as Iceberg's Java reader does.
func lineageJoinSQL(files []pushdown.DataFile) string {
	var b strings.Builder
	b.WriteString("\nJOIN (VALUES ")
	for i, f := range files {
		if i > 0 {
			b.WriteString(", ")
		}
		seq := f.DataSequenceNumber
		if f.FirstRowID == nil {
			seq = nil
		}
		fmt.Fprintf(&b, "(%s, CAST(%s AS BIGINT), CAST(%s AS BIGINT))", catalog.QuoteLiteral(f.Path),
			int64Literal(f.FirstRowID), int64Literal(seq))
	}
	fmt.Fprintf(&b, ") %s(path, first_row_id, data_seq) ON d.%s = %s.path", lineageAlias, fileColumn, lineageAlias)
	return b.String()
}

func int64Literal(v *int64) string {
	if v == nil {
		return "NULL"
	}
	return strconv.FormatInt(*v, 10)
}
