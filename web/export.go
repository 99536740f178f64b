package web

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/annals/annals/archive"
)

// export streams every hit of the current search (not only the page
// shown) in the format asked: csv (UTF-8 with a byte order mark, so that
// spreadsheet programs read Chinese right), json or jsonl, with the
// fields of annals export.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	p, err := ParseSearch(r.URL.Query())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	var ctype string
	switch format {
	case archive.FormatCSV:
		ctype = "text/csv; charset=utf-8; header=present"
	case archive.FormatJSON:
		ctype = "application/json; charset=utf-8"
	case archive.FormatJSONL:
		ctype = "application/jsonl; charset=utf-8"
	default:
		s.apiFail(w, r, paramError("format", "%q: use csv, json or jsonl", truncate(format, 20)))
		return
	}
	name := "annals-search-" + time.Now().UTC().Format("20060102-150405") + "." + format
	tw := &trackingWriter{w: w}
	enc, err := archive.NewExportEncoder(tw, format, format == archive.FormatCSV)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	// Headers go out with the first byte, so that a query the archive
	// refuses (checked before any record) still gets a clean 400.
	tw.before = func() {
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	n := 0
	err = s.db.SearchExport(r.Context(), p.Query(), func(rec archive.ExportRecord) error {
		n++
		return enc.Encode(rec)
	})
	if err == nil {
		err = enc.Close()
	}
	if err != nil && !tw.wrote {
		s.apiFail(w, r, err)
		return
	}
	if err != nil && !errors.Is(err, r.Context().Err()) {
		// Headers are gone: all that can be done is to cut the download
		// short, which the client sees as an incomplete transfer.
		s.log.Error("export failed", "records", n, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// trackingWriter calls before ahead of its first write and remembers
// whether anything was written.
type trackingWriter struct {
	w      io.Writer
	before func()
	wrote  bool
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	if !t.wrote {
		t.wrote = true
		if t.before != nil {
			t.before()
		}
	}
	return t.w.Write(p)
}
