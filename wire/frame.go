package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
const maxStartupPacket = 10000

// frame is one message as read from the socket: its type byte and a body the
// receiver owns (pgproto3 messages decoded from it may keep references into it).
type frame struct {
	typ  byte
	body []byte
	err  error // set on the last frame a reader delivers
}

// protocolError is malformed input: the connection answers 08P01 and closes.
type protocolError struct {
	msg     string
	skipped int64 // body bytes of an oversized message still on the wire
}

func (e *protocolError) Error() string { return e.msg }

// frameReader splits the byte stream into messages. It does the framing itself
// rather than through pgproto3.Backend.Receive because the reader goroutine must own
// each body after handing it on (Receive reuses its buffers and message structs);
// the bodies are then decoded with pgproto3's message types.
type frameReader struct {
	r       *bufio.Reader
	maxBody int
	hdr     [5]byte
}

func newFrameReader(r io.Reader, maxBody int) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 8192), maxBody: maxBody}
}

// startup reads a length-prefixed message without a type byte.
func (f *frameReader) startup() ([]byte, error) {
	if _, err := io.ReadFull(f.r, f.hdr[:4]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(f.hdr[:4]))) - 4
	if n < 4 || n > maxStartupPacket {
		return nil, &protocolError{msg: "invalid length of startup packet"}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(f.r, body); err != nil {
		return nil, unexpectedEOF(err)
	}
	return body, nil
}

// next reads one typed message.
func (f *frameReader) next() (frame, error) {
	if _, err := io.ReadFull(f.r, f.hdr[:5]); err != nil {
		return frame{}, err
	}
	n := int64(int32(binary.BigEndian.Uint32(f.hdr[1:5])))
	if n < 4 {
		return frame{}, &protocolError{msg: fmt.Sprintf("invalid message length %d", n)}
	}
	n -= 4
	if n > int64(f.maxBody) {
		return frame{}, &protocolError{msg: fmt.Sprintf("invalid message length %d (limit %d)", n, f.maxBody), skipped: n}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(f.r, body); err != nil {
		return frame{}, unexpectedEOF(err)
	}
	return frame{typ: f.hdr[0], body: body}, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// maxDrain bounds how much of an oversized message is read and dropped after the
// error, so that a client still writing it can finish and read the FATAL.
const maxDrain = 16 << 20

// drain reads and drops up to n bytes (at most maxDrain) within d.
func (f *frameReader) drain(nc interface{ SetReadDeadline(time.Time) error }, n int64, d time.Duration) {
	nc.SetReadDeadline(time.Now().Add(d))
	io.CopyN(io.Discard, f.r, min(n, maxDrain))
}
