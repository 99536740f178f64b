package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// How a payload's bytes are kept (payloads.codec).
const (
	codecIdentity = "identity"
	codecZstd     = "zstd"
	codecDelta    = "zstd-delta"
)

// DefaultMaxDeltaDepth bounds delta chains: reading a payload decodes at
// most this many frames besides its own.
const DefaultMaxDeltaDepth = 8

// DefaultDeltaLevel is the zstd level for deltas of large pages: the
// default level. Measured on the corpus pages with one paragraph
// inserted, its deltas of pages over 128 KB are much smaller than the
// fastest level's (190 bytes against 520 for pages of 256-512 KB), since
// the fastest level's match table is too small to remember a whole large
// page; below smallDeltaWindow both levels make deltas of the same size,
// and the fastest level is used there, as it costs less to set up.
const DefaultDeltaLevel = zstd.SpeedDefault

// smallDeltaWindow is the largest delta window (base and page together)
// encoded at the fastest level whatever DB.DeltaLevel says.
const smallDeltaWindow = 128 << 10

// dictID is the dictionary ID written into delta frames.
const dictID = 1

// ErrNotFound is returned when the asked-for article, version, capture or
// payload is not in the archive.
var ErrNotFound = errors.New("not found in the archive")

// ErrDamaged wraps errors about stored bytes that do not decode or do not
// hash to their recorded digest; annals verify reports them.
var ErrDamaged = errors.New("archive damaged")

// payloadRow is a payload ready to insert.
type payloadRow struct {
	sha    []byte
	size   int
	codec  string
	baseID int64 // 0: none
	depth  int
	data   []byte
}

// codec compresses and decompresses payloads. Its zero value is not
// usable; newCodec makes one.
//
// A delta is a zstd frame whose raw dictionary is the base payload, so
// its encoder and decoder are set up for each base. Setting up an encoder
// (its match tables) costs more than encoding a page, so idle delta
// encoders are kept, by window size, and given the next base with
// ResetWithOptions; so are idle delta decoders.
type codec struct {
	level      zstd.EncoderLevel
	deltaLevel zstd.EncoderLevel
	enc        *zstd.Encoder // no dictionary; EncodeAll is safe for concurrent use
	dec        *zstd.Decoder

	mu        sync.Mutex
	deltaEncs map[int][]*zstd.Encoder // idle, by window size
	deltaDecs []*zstd.Decoder         // idle
}

// Bounds on the idle delta coders a codec keeps: a few per window size,
// and none for windows so large that keeping them would hold much memory.
const (
	maxIdleCoders   = 2
	maxPooledWindow = 8 << 20
)

func newCodec(level, deltaLevel zstd.EncoderLevel) (*codec, error) {
	// EncodeAll runs at most the encoder's concurrency at once: one per
	// CPU, so that Record calls from several goroutines (a crawl's
	// workers) compress in parallel.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &codec{level: level, deltaLevel: deltaLevel, enc: enc, dec: dec, deltaEncs: map[int][]*zstd.Encoder{}}, nil
}

func (c *codec) close() {
	c.enc.Close()
	c.dec.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, es := range c.deltaEncs {
		for _, e := range es {
			e.Close()
		}
	}
	for _, d := range c.deltaDecs {
		d.Close()
	}
	c.deltaEncs, c.deltaDecs = nil, nil
}

// encode picks the smallest way to keep raw, whose SHA-256 is sha: as is,
// zstd alone, or a zstd delta against base (the raw bytes of payload baseID, whose chain depth is
// baseDepth) when base is given and the chain stays within maxDepth.
func (c *codec) encode(raw, sha []byte, base []byte, baseID int64, baseDepth, maxDepth int) (payloadRow, error) {
	row := payloadRow{sha: sha, size: len(raw), codec: codecIdentity, data: raw}
	if base != nil && baseID != 0 && baseDepth+1 <= maxDepth {
		d, err := c.encodeDelta(raw, base)
		if err != nil {
			return payloadRow{}, err
		}
		if len(d) < len(row.data) {
			row.codec, row.data, row.baseID, row.depth = codecDelta, d, baseID, baseDepth+1
		}
		// An edit of the previous page: no need to try it alone.
		if len(d) < len(raw)/32 {
			return row, nil
		}
	}
	if z := c.enc.EncodeAll(raw, make([]byte, 0, len(raw)/3+64)); len(z) < len(row.data) {
		row.codec, row.data, row.baseID, row.depth = codecZstd, z, 0, 0
	}
	return row, nil
}

// windowFor returns a power-of-two zstd window that covers n bytes, so
// that a delta can reach back over the whole dictionary.
func windowFor(n int) int {
	w := zstd.MinWindowSize
	for w < n && w < zstd.MaxWindowSize {
		w <<= 1
	}
	return w
}

func (c *codec) encodeDelta(raw, base []byte) ([]byte, error) {
	window := windowFor(len(base) + len(raw))
	var enc *zstd.Encoder
	c.mu.Lock()
	if idle := c.deltaEncs[window]; len(idle) > 0 {
		enc, c.deltaEncs[window] = idle[len(idle)-1], idle[:len(idle)-1]
	}
	c.mu.Unlock()
	if enc != nil {
		if err := enc.ResetWithOptions(nil, zstd.WithEncoderDictRaw(dictID, base)); err != nil {
			enc.Close()
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
	} else {
		level := c.deltaLevel
		if window <= smallDeltaWindow {
			level = zstd.SpeedFastest
		}
		var err error
		enc, err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(level),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(window),
			zstd.WithEncoderDictRaw(dictID, base))
		if err != nil {
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
	}
	out := enc.EncodeAll(raw, make([]byte, 0, len(raw)/8+64))
	c.mu.Lock()
	if c.deltaEncs != nil && window <= maxPooledWindow && len(c.deltaEncs[window]) < maxIdleCoders {
		c.deltaEncs[window] = append(c.deltaEncs[window], enc)
		enc = nil
	}
	c.mu.Unlock()
	if enc != nil {
		enc.Close()
	}
	return out, nil
}

// decodeDelta decodes a delta frame against base.
func (c *codec) decodeDelta(data, base []byte, size int) ([]byte, error) {
	opts := []zstd.DOption{
		zstd.WithDecoderMaxMemory(uint64(size) + uint64(len(base)) + 1<<20),
		zstd.WithDecoderMaxWindow(uint64(windowFor(len(base) + size))),
		zstd.WithDecoderDictRaw(dictID, base),
	}
	var dec *zstd.Decoder
	c.mu.Lock()
	if n := len(c.deltaDecs); n > 0 {
		dec, c.deltaDecs = c.deltaDecs[n-1], c.deltaDecs[:n-1]
	}
	c.mu.Unlock()
	var err error
	if dec != nil {
		err = dec.ResetWithOptions(nil, opts...)
	} else {
		dec, err = zstd.NewReader(nil, append(opts, zstd.WithDecoderConcurrency(1))...)
	}
	if err != nil {
		return nil, err
	}
	out, err := dec.DecodeAll(data, make([]byte, 0, size))
	// Let go of the base before the decoder waits for the next one.
	if dec.ResetWithOptions(nil, zstd.WithDecoderDictDelete()) == nil {
		c.mu.Lock()
		if c.deltaDecs != nil && len(c.deltaDecs) < maxIdleCoders {
			c.deltaDecs = append(c.deltaDecs, dec)
			dec = nil
		}
		c.mu.Unlock()
	}
	if dec != nil {
		dec.Close()
	}
	return out, err
}

// decode turns stored data back into raw bytes; base is the raw bytes of
// the delta's base (nil unless codec is zstd-delta).
func (c *codec) decode(codecName string, data, base []byte, size int) ([]byte, error) {
	switch codecName {
	case codecIdentity:
		return data, nil
	case codecZstd:
		return c.dec.DecodeAll(data, make([]byte, 0, size))
	case codecDelta:
		return c.decodeDelta(data, base, size)
	default:
		return nil, fmt.Errorf("unknown codec %q", codecName)
	}
}

// queryer is what payload reads need: the read pool or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadPayload returns the raw bytes of payload id, decoding its delta
// chain. With check, every payload of the chain must hash to its digest.
func (db *DB) loadPayload(ctx context.Context, q queryer, id int64, check bool) ([]byte, error) {
	return db.loadPayloadDepth(ctx, q, id, check, 0)
}

func (db *DB) loadPayloadDepth(ctx context.Context, q queryer, id int64, check bool, hops int) ([]byte, error) {
	if hops > 64 {
		return nil, fmt.Errorf("payload %d: delta chain longer than 64: %w", id, ErrDamaged)
	}
	var (
		sum       []byte
		size      int
		codecName string
		baseID    sql.NullInt64
		data      []byte
	)
	err := q.QueryRowContext(ctx, `SELECT sha256, size, codec, base_id, data FROM payloads WHERE id = ?`, id).
		Scan(&sum, &size, &codecName, &baseID, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("payload %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read payload %d: %w", id, err)
	}
	var base []byte
	if codecName == codecDelta {
		if !baseID.Valid {
			return nil, fmt.Errorf("payload %d: delta without a base: %w", id, ErrDamaged)
		}
		base, err = db.loadPayloadDepth(ctx, q, baseID.Int64, check, hops+1)
		if err != nil {
			return nil, fmt.Errorf("payload %d: base: %w", id, err)
		}
	}
	raw, err := db.codec.decode(codecName, data, base, size)
	if err != nil {
		return nil, fmt.Errorf("payload %d (%s) does not decode: %v: %w", id, codecName, err, ErrDamaged)
	}
	if len(raw) != size {
		return nil, fmt.Errorf("payload %d decodes to %d bytes, recorded %d: %w", id, len(raw), size, ErrDamaged)
	}
	if check {
		if got := sha256.Sum256(raw); !bytes.Equal(got[:], sum) {
			return nil, fmt.Errorf("payload %d hashes to %x, recorded %x: %w", id, got, sum, ErrDamaged)
		}
	}
	return raw, nil
}
