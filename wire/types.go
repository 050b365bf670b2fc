package wire

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// PostgreSQL type OIDs the wire layer knows (pg_type.oid).
const (
	OIDBool         = 16
	OIDBytea        = 17
	OIDChar         = 18
	OIDName         = 19
	OIDInt8         = 20
	OIDInt2         = 21
	OIDInt4         = 23
	OIDRegproc      = 24
	OIDText         = 25
	OIDOid          = 26
	OIDXid          = 28
	OIDJSON         = 114
	OIDFloat4       = 700
	OIDFloat8       = 701
	OIDUnknown      = 705
	OIDBpchar       = 1042
	OIDVarchar      = 1043
	OIDDate         = 1082
	OIDTime         = 1083
	OIDTimestamp    = 1114
	OIDTimestamptz  = 1184
	OIDInterval     = 1186
	OIDNumeric      = 1700
	OIDRegclass     = 2205
	OIDRegtype      = 2206
	OIDUUID         = 2950
	OIDJSONB        = 3802
	OIDRegnamespace = 4089
)

// arrayOf maps an element type to its array type (pg_type.typarray).
var arrayOf = map[uint32]uint32{
	OIDBool: 1000, OIDBytea: 1001, OIDChar: 1002, OIDName: 1003, OIDInt2: 1005, OIDInt4: 1007,
	OIDRegproc: 1008, OIDText: 1009, OIDOid: 1028, OIDXid: 1011, OIDBpchar: 1014,
	OIDVarchar: 1015, OIDInt8: 1016, OIDFloat4: 1021, OIDFloat8: 1022, OIDDate: 1182,
	OIDTime: 1183, OIDTimestamp: 1115, OIDTimestamptz: 1185, OIDInterval: 1187,
	OIDNumeric: 1231, OIDUUID: 2951, OIDJSON: 199, OIDJSONB: 3807, OIDRegclass: 2210,
	OIDRegtype: 2211,
}

// elemOf is the inverse of arrayOf.
var elemOf = func() map[uint32]uint32 {
	m := make(map[uint32]uint32, len(arrayOf))
	for e, a := range arrayOf {
		m[a] = e
	}
	return m
}()

// typeLen is pg_type.typlen for the fixed-size types; everything else is -1.
var typeLen = map[uint32]int16{
	OIDBool: 1, OIDChar: 1, OIDName: 64, OIDInt8: 8, OIDInt2: 2, OIDInt4: 4, OIDRegproc: 4,
	OIDOid: 4, OIDXid: 4, OIDFloat4: 4, OIDFloat8: 8, OIDDate: 4, OIDTime: 8, OIDTimestamp: 8,
	OIDTimestamptz: 8, OIDInterval: 16, OIDRegclass: 4, OIDRegtype: 4, OIDUUID: 16,
	OIDRegnamespace: 4, OIDUnknown: -2,
}

// isTextLike reports types whose binary form is their text form.
func isTextLike(oid uint32) bool {
	switch oid {
	case OIDText, OIDVarchar, OIDBpchar, OIDName, OIDChar, OIDUnknown, OIDJSON, 0:
		return true
	}
	return false
}

// isOIDLike reports the unsigned 4-byte types (oid, the reg* aliases, xid).
func isOIDLike(oid uint32) bool {
	switch oid {
	case OIDOid, OIDRegproc, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDXid:
		return true
	}
	return false
}

// FieldForArrow describes a result column of Arrow type t the way PostgreSQL would:
// the nearest PostgreSQL type, its typlen and typmod. Types without a natural
// counterpart (struct, map, nested lists) become text holding a JSON-like rendering.
func FieldForArrow(name string, t arrow.DataType) Field {
	oid, mod := oidForArrow(t)
	size, ok := typeLen[oid]
	if !ok {
		size = -1
	}
	return Field{Name: name, TypeOID: oid, TypeSize: size, TypeMod: mod}
}

func oidForArrow(t arrow.DataType) (oid uint32, typmod int32) {
	switch t.ID() {
	case arrow.BOOL:
		return OIDBool, -1
	case arrow.INT8, arrow.INT16, arrow.UINT8:
		return OIDInt2, -1
	case arrow.INT32, arrow.UINT16:
		return OIDInt4, -1
	case arrow.INT64, arrow.UINT32:
		return OIDInt8, -1
	case arrow.UINT64:
		return OIDNumeric, -1
	case arrow.FLOAT16, arrow.FLOAT32:
		return OIDFloat4, -1
	case arrow.FLOAT64:
		return OIDFloat8, -1
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		d := t.(arrow.DecimalType)
		if d.GetScale() < 0 {
			return OIDNumeric, -1
		}
		return OIDNumeric, (d.GetPrecision()<<16 | d.GetScale()) + 4
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return OIDText, -1
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return OIDBytea, -1
	case arrow.FIXED_SIZE_BINARY:
		return OIDBytea, -1 // a plain 16-byte column may or may not be a uuid: do not guess
	case arrow.DATE32, arrow.DATE64:
		return OIDDate, -1
	case arrow.TIME32, arrow.TIME64:
		return OIDTime, -1
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).TimeZone != "" {
			return OIDTimestamptz, -1
		}
		return OIDTimestamp, -1
	case arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO, arrow.DURATION:
		return OIDInterval, -1
	case arrow.DICTIONARY:
		return oidForArrow(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		ext := t.(arrow.ExtensionType)
		if ext.ExtensionName() == "arrow.uuid" {
			return OIDUUID, -1
		}
		if ext.ExtensionName() == "arrow.json" {
			return OIDJSON, -1
		}
		return oidForArrow(ext.StorageType())
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		elem := t.(arrow.ListLikeType).Elem()
		eoid, emod := oidForArrow(elem)
		if a, ok := arrayOf[eoid]; ok && !isListLike(elem) {
			return a, emod
		}
		return OIDText, -1
	}
	return OIDText, -1
}

func isListLike(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		return true
	}
	return false
}
