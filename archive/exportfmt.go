package archive

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/extract"
)

// ExportFields are the fields of an exported record, in order: the CSV
// columns and the JSON keys.
var ExportFields = []string{
	"url", "version", "state", "moved_to", "first_seen", "captured_at", "last_checked_at",
	"title", "kicker", "subtitle", "published", "bylines", "source", "language", "body",
	"changed", "content_sha256", "payload_sha256", "capture_id", "run_id",
}

// The export formats.
const (
	FormatCSV   = "csv"
	FormatJSON  = "json"
	FormatJSONL = "jsonl"
)

// ExportEncoder writes records in one format. Close finishes the output
// (the closing bracket of JSON, the CSV buffer); it does not close the
// underlying writer.
type ExportEncoder interface {
	Encode(ExportRecord) error
	Close() error
}

// NewExportEncoder returns an encoder for format ("csv", "json", "jsonl").
// bom starts CSV output with a UTF-8 byte order mark, which spreadsheet
// programs need to read Chinese text correctly.
func NewExportEncoder(w io.Writer, format string, bom bool) (ExportEncoder, error) {
	return NewExportEncoderWith(w, format, ExportOptions{BOM: bom})
}

// ExportOptions adjust the CSV an encoder writes (JSON ignores them).
type ExportOptions struct {
	// BOM starts the output with a UTF-8 byte order mark, which
	// spreadsheet programs need to read Chinese text correctly.
	BOM bool
	// CSVSafe puts an apostrophe before every cell that begins with =, +,
	// -, @, a tab or a carriage return, so that a spreadsheet shows it as
	// text instead of running it as a formula. Archived pages are written
	// by anyone: a title "=HYPERLINK(…)" is an attack on whoever opens the
	// export. The cells then differ from the archived text by that
	// apostrophe; without CSVSafe every cell is the archived text exactly.
	CSVSafe bool
}

// NewExportEncoderWith is NewExportEncoder with every option.
func NewExportEncoderWith(w io.Writer, format string, o ExportOptions) (ExportEncoder, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case FormatCSV:
		if o.BOM {
			bw.WriteString("\ufeff")
		}
		cw := csv.NewWriter(bw)
		cw.UseCRLF = true // RFC 4180
		e := &csvEncoder{bw: bw, cw: cw, safe: o.CSVSafe}
		return e, cw.Write(ExportFields)
	case FormatJSON:
		return &jsonEncoder{bw: bw, array: true}, nil
	case FormatJSONL:
		return &jsonEncoder{bw: bw}, nil
	}
	return nil, fmt.Errorf("unknown export format %q: use csv, json or jsonl", format)
}

// exportTime formats times in exports: RFC 3339, UTC, seconds.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type csvEncoder struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	safe bool
	row  []string
}

// formulaSafe returns cell as a spreadsheet will show it as text: with an
// apostrophe before a leading =, +, -, @, tab or carriage return (the
// characters that start a formula or a DDE command in Excel, LibreOffice
// and Google Sheets).
func formulaSafe(cell string) string {
	if cell != "" && strings.IndexByte("=+-@\t\r", cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// Encode writes one CSV row. Bylines are flattened as "name (role); name
// (role)", changed fields as "title,body", a missing run as "". With
// CSVSafe, cells that would start a formula get a leading apostrophe.
func (e *csvEncoder) Encode(r ExportRecord) error {
	run := ""
	if r.RunID != 0 {
		run = strconv.FormatInt(r.RunID, 10)
	}
	e.row = append(e.row[:0],
		r.URL, strconv.Itoa(r.Version), string(r.State), r.MovedTo, exportTime(r.FirstSeen), exportTime(r.CapturedAt),
		exportTime(r.LastCheckedAt), r.Title, r.Kicker, r.Subtitle, r.Published, FormatBylines(r.Bylines), r.Source,
		r.Language, r.Body, strings.Join(r.Changed, ","), r.ContentSHA256, r.PayloadSHA256,
		strconv.FormatInt(r.CaptureID, 10), run,
	)
	if e.safe {
		for i, c := range e.row {
			e.row[i] = formulaSafe(c)
		}
	}
	return e.cw.Write(e.row)
}

func (e *csvEncoder) Close() error {
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	return e.bw.Flush()
}

// jsonRecord fixes the JSON shape of a record.
type jsonRecord struct {
	URL           string           `json:"url"`
	Version       int              `json:"version"`
	State         State            `json:"state"`
	MovedTo       string           `json:"moved_to"`
	FirstSeen     string           `json:"first_seen"`
	CapturedAt    string           `json:"captured_at"`
	LastCheckedAt string           `json:"last_checked_at"`
	Title         string           `json:"title"`
	Kicker        string           `json:"kicker"`
	Subtitle      string           `json:"subtitle"`
	Published     string           `json:"published"`
	Bylines       []extract.Byline `json:"bylines"`
	Source        string           `json:"source"`
	Language      string           `json:"language"`
	Body          string           `json:"body"`
	Changed       []string         `json:"changed"`
	ContentSHA256 string           `json:"content_sha256"`
	PayloadSHA256 string           `json:"payload_sha256"`
	CaptureID     int64            `json:"capture_id"`
	RunID         *int64           `json:"run_id"`
}

type jsonEncoder struct {
	bw    *bufio.Writer
	array bool
	n     int
	buf   bytes.Buffer
}

func (e *jsonEncoder) Encode(r ExportRecord) error {
	j := jsonRecord{
		URL: r.URL, Version: r.Version, State: r.State, MovedTo: r.MovedTo, FirstSeen: exportTime(r.FirstSeen),
		CapturedAt: exportTime(r.CapturedAt), LastCheckedAt: exportTime(r.LastCheckedAt), Title: r.Title, Kicker: r.Kicker,
		Subtitle: r.Subtitle, Published: r.Published, Bylines: r.Bylines, Source: r.Source, Language: r.Language, Body: r.Body,
		Changed: r.Changed, ContentSHA256: r.ContentSHA256, PayloadSHA256: r.PayloadSHA256, CaptureID: r.CaptureID,
	}
	if j.Bylines == nil {
		j.Bylines = []extract.Byline{}
	}
	if j.Changed == nil {
		j.Changed = []string{}
	}
	if r.RunID != 0 {
		j.RunID = &r.RunID
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return err
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	if e.array {
		if e.n == 0 {
			e.bw.WriteString("[\n")
		} else {
			e.bw.WriteString(",\n")
		}
	}
	e.n++
	e.bw.Write(b)
	if !e.array {
		e.bw.WriteByte('\n')
	}
	return nil
}

func (e *jsonEncoder) Close() error {
	if e.array {
		if e.n == 0 {
			e.bw.WriteString("[")
		}
		e.bw.WriteString("\n]\n")
	}
	return e.bw.Flush()
}
