package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// PostgreSQL infers an array type for a parameter where DuckDB cannot say: in
// x = ANY($1) / x <> ALL($1) it is an array of x's type, and $1::int8[] is int8[].
// DuckDB reports such parameters as untyped (or as a LIST without its element), so
// a client asking for the statement's parameter types would send text. arrayParams
// finds them in the parsed statement; the element type of ANY/ALL parameters comes
// from describing a probe statement in which each x op ANY($n) reads x op $n.

// arrayParams are the parameters of a statement used as arrays.
type arrayParams struct {
	cast  map[int]uint32 // $n::T[]: parameter index -> array OID
	probe string         // the statement with scalar comparisons, "" if no ANY/ALL($n)
	any   map[int]bool   // parameter indexes compared with ANY/ALL
}

// pgArrayOIDs maps element type names, as PostgreSQL's grammar spells them, to
// scalar and array OIDs.
var pgArrayOIDs = map[string][2]uint32{
	"bool": {16, 1000}, "bytea": {17, 1001}, "int8": {20, 1016}, "int2": {21, 1005}, "int4": {23, 1007},
	"text": {25, 1009}, "float4": {700, 1021}, "float8": {701, 1022}, "varchar": {1043, 1015},
	"date": {1082, 1182}, "time": {1083, 1183}, "timestamp": {1114, 1115}, "timestamptz": {1184, 1185},
	"interval": {1186, 1187}, "numeric": {1700, 1231}, "uuid": {2950, 2951}, "json": {114, 199}, "jsonb": {3802, 3807},
}

// arrayOIDOf maps a scalar OID to its array OID, 0 if unknown.
func arrayOIDOf(scalar uint32) uint32 {
	for _, o := range pgArrayOIDs {
		if o[0] == scalar {
			return o[1]
		}
	}
	return 0
}

// findArrayParams scans stmt (already rewritten for DuckDB); deparse renders the
// probe statement.
func findArrayParams(stmt *pg.Node, deparse func(*pg.Node) (string, error)) arrayParams {
	var ap arrayParams
	walkNodes(stmt, func(n *pg.Node) {
		switch x := n.Node.(type) {
		case *pg.Node_TypeCast:
			p := x.TypeCast.Arg.GetParamRef()
			tn := x.TypeCast.TypeName
			if p == nil || tn == nil || len(tn.ArrayBounds) == 0 {
				return
			}
			if o, ok := pgArrayOIDs[typeName(tn)]; ok {
				if ap.cast == nil {
					ap.cast = map[int]uint32{}
				}
				ap.cast[int(p.Number)-1] = o[1]
			}
		case *pg.Node_AExpr:
			k := x.AExpr.Kind
			if (k == pg.A_Expr_Kind_AEXPR_OP_ANY || k == pg.A_Expr_Kind_AEXPR_OP_ALL) && x.AExpr.Rexpr.GetParamRef() != nil {
				if ap.any == nil {
					ap.any = map[int]bool{}
				}
				ap.any[int(x.AExpr.Rexpr.GetParamRef().Number)-1] = true
			}
		}
	})
	if len(ap.any) == 0 {
		return ap
	}
	probe := proto.Clone(stmt).(*pg.Node)
	walkNodes(probe, func(n *pg.Node) {
		if a := n.GetAExpr(); a != nil && a.Rexpr.GetParamRef() != nil &&
			(a.Kind == pg.A_Expr_Kind_AEXPR_OP_ANY || a.Kind == pg.A_Expr_Kind_AEXPR_OP_ALL) {
			a.Kind = pg.A_Expr_Kind_AEXPR_OP
		}
	})
	if sql, err := deparse(probe); err == nil {
		ap.probe = sql
	}
	return ap
}
