package integration

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Comparing a result of lakegate with PostgreSQL's, as the differential test does.

// runText runs sql with the simple protocol, so every value is PostgreSQL text.
func runText(ctx context.Context, c *pgx.Conn, sql string) (*diffResult, error) {
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := &diffResult{}
	for _, f := range rows.FieldDescriptions() {
		r.names = append(r.names, f.Name)
		r.oids = append(r.oids, f.DataTypeOID)
	}
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, b := range raw {
			if b != nil {
				s := string(b)
				row[i] = &s
			}
		}
		r.rows = append(r.rows, row)
	}
	return r, rows.Err()
}

// textRows renders a result's rows as text, NULL as "NULL".
func textRows(r *diffResult) [][]string {
	var out [][]string
	for _, row := range r.rows {
		var line []string
		for _, c := range row {
			if c == nil {
				line = append(line, "NULL")
			} else {
				line = append(line, *c)
			}
		}
		out = append(out, line)
	}
	return out
}

func isFloatOID(oid uint32) bool { return oid == pgtype.Float4OID || oid == pgtype.Float8OID }

// cmpCell orders two cells of a column: NULL first, floats numerically, the
// rest by text.
func cmpCell(a, b *string, float bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if float {
		fa, ea := strconv.ParseFloat(*a, 64)
		fb, eb := strconv.ParseFloat(*b, 64)
		if ea == nil && eb == nil {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(*a, *b)
}

// sameCell reports whether two cells match: floats within diffFloatTolerance.
func sameCell(a, b *string, float bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if *a == *b {
		return true
	}
	if !float {
		return false
	}
	fa, ea := strconv.ParseFloat(*a, 64)
	fb, eb := strconv.ParseFloat(*b, 64)
	if ea != nil || eb != nil || math.IsInf(fa, 0) || math.IsInf(fb, 0) || math.IsNaN(fa) || math.IsNaN(fb) {
		return false
	}
	return math.Abs(fa-fb) <= diffFloatTolerance*math.Max(math.Abs(fa), math.Abs(fb))
}

func showRow(row []*string) string {
	parts := make([]string, len(row))
	for i, c := range row {
		if c == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = *c
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// diffResults returns "" when got matches want, else what differs.
func diffResults(got, want *diffResult, orderBy []int) string {
	if fmt.Sprint(got.names) != fmt.Sprint(want.names) {
		return fmt.Sprintf("columns: lakegate %v, PostgreSQL %v", got.names, want.names)
	}
	if fmt.Sprint(got.oids) != fmt.Sprint(want.oids) {
		return fmt.Sprintf("column type OIDs of %v: lakegate %v, PostgreSQL %v", want.names, got.oids, want.oids)
	}
	if len(got.rows) != len(want.rows) {
		return fmt.Sprintf("lakegate returned %d rows, PostgreSQL %d", len(got.rows), len(want.rows))
	}
	float := make([]bool, len(want.oids))
	for i, oid := range want.oids {
		float[i] = isFloatOID(oid) || isFloatOID(got.oids[i])
	}
	var b strings.Builder
	// The ORDER BY keys, in sequence.
	if orderBy != nil {
		for i := range want.rows {
			for _, c := range orderBy {
				if !sameCell(got.rows[i][c], want.rows[i][c], float[c]) {
					fmt.Fprintf(&b, "order: row %d is %s on lakegate, %s on PostgreSQL (ORDER BY keys %v)\n",
						i+1, showRow(got.rows[i]), showRow(want.rows[i]), orderBy)
					break
				}
			}
			if b.Len() > 2000 {
				break
			}
		}
	}
	// All rows, as a multiset.
	sorted := func(rows [][]*string) [][]*string {
		out := append([][]*string(nil), rows...)
		sort.SliceStable(out, func(i, j int) bool {
			for c := range out[i] {
				if d := cmpCell(out[i][c], out[j][c], float[c]); d != 0 {
					return d < 0
				}
			}
			return false
		})
		return out
	}
	gs, ws := sorted(got.rows), sorted(want.rows)
	bad := 0
	for i := range ws {
		for c := range ws[i] {
			if !sameCell(gs[i][c], ws[i][c], float[c]) {
				if bad < 10 {
					fmt.Fprintf(&b, "rows: lakegate %s, PostgreSQL %s (column %s)\n", showRow(gs[i]), showRow(ws[i]), want.names[c])
				}
				bad++
				break
			}
		}
	}
	if bad > 10 {
		fmt.Fprintf(&b, "... %d rows differ in all\n", bad)
	}
	return b.String()
}
