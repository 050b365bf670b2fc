package wire

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/pgerr"
)

// rowEncoder turns the batches of one result into DataRows. The per-column encoders
// are chosen from the first batch's types and rebound to each later batch's arrays.
type rowEncoder struct {
	fields  []Field
	formats []int16 // per column, already expanded
	opts    encOptions

	makers []encoderMaker
	types  []arrow.DataType
	cols   []arrow.Array
	fns    []appendFunc

	batch arrow.RecordBatch
	n     int // rows in batch
	next  int // next row to send
}

func newRowEncoder(fields []Field, formats []int16, opts encOptions) *rowEncoder {
	return &rowEncoder{fields: fields, formats: formats, opts: opts}
}

// expandFormats applies Bind's result-format rule: none = all text, one = all that.
func expandFormats(codes []int16, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		switch len(codes) {
		case 0:
		case 1:
			out[i] = codes[0]
		default:
			out[i] = codes[i]
		}
	}
	return out
}

// exhausted reports whether the current batch has no rows left to send.
func (e *rowEncoder) exhausted() bool { return e.batch == nil || e.next >= e.n }

// bind makes b the current batch; the encoder owns and releases it.
func (e *rowEncoder) bind(b arrow.RecordBatch) error {
	e.release()
	if int(b.NumCols()) != len(e.fields) {
		b.Release()
		return pgerr.New(pgerr.Internal, "result batch has %d columns, expected %d", b.NumCols(), len(e.fields))
	}
	if e.makers == nil {
		e.makers = make([]encoderMaker, len(e.fields))
		e.types = make([]arrow.DataType, len(e.fields))
		e.cols = make([]arrow.Array, len(e.fields))
		e.fns = make([]appendFunc, len(e.fields))
	}
	for j := range e.fields {
		col := b.Column(j)
		if e.makers[j] == nil || !arrow.TypeEqual(e.types[j], col.DataType()) {
			m, err := makeEncoder(col.DataType(), e.fields[j].TypeOID, e.formats[j], &e.opts)
			if err != nil {
				b.Release()
				return pgerr.Wrap(err, pgerr.FeatureNotSupported, "cannot encode column \"%s\": %v", e.fields[j].Name, err)
			}
			e.makers[j], e.types[j] = m, col.DataType()
		}
		e.cols[j] = col
		e.fns[j] = e.makers[j](col)
	}
	e.batch, e.n, e.next = b, int(b.NumRows()), 0
	return nil
}

func (e *rowEncoder) release() {
	if e.batch != nil {
		e.batch.Release()
		e.batch = nil
	}
}

func makeEncoder(t arrow.DataType, oid uint32, format int16, o *encOptions) (encoderMaker, error) {
	switch format {
	case 0:
		return textMaker(t, oid, o)
	case 1:
		return binaryMaker(t, oid, o)
	}
	return nil, errors.New("unsupported format code " + strconv.Itoa(int(format)))
}

// dataRowMsg is a DataRow encoded straight from the Arrow arrays into the output
// buffer, with no per-row allocation.
type dataRowMsg struct {
	e   *rowEncoder
	row int
}

func (*dataRowMsg) Backend()            {}
func (*dataRowMsg) Decode([]byte) error { return errors.New("wire: dataRowMsg is encode-only") }
func (m *dataRowMsg) Encode(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 'D', 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(m.e.fns)))
	for j, fn := range m.e.fns {
		if m.e.cols[j].IsNull(m.row) {
			dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
			continue
		}
		lp := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = fn(dst, m.row)
		binary.BigEndian.PutUint32(dst[lp:], uint32(len(dst)-lp-4))
	}
	binary.BigEndian.PutUint32(dst[start+1:], uint32(len(dst)-start-1))
	return dst, nil
}

// rowDescription describes fields with the given per-column formats.
func rowDescription(fields []Field, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(fields))}
	for i, f := range fields {
		var format int16
		if formats != nil {
			format = formats[i]
		}
		size, mod := f.TypeSize, f.TypeMod
		if size == 0 {
			if s, ok := typeLen[f.TypeOID]; ok {
				size = s
			} else {
				size = -1
			}
		}
		if mod == 0 { // unset: no valid typmod is 0
			mod = -1
		}
		rd.Fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(f.Name),
			TableOID:             f.TableOID,
			TableAttributeNumber: uint16(f.ColumnNumber),
			DataTypeOID:          f.TypeOID,
			DataTypeSize:         size,
			TypeModifier:         mod,
			Format:               format,
		}
	}
	return rd
}
