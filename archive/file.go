package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// CheckFile reads the header of the archive file at path without opening
// it as a database, and reports the damage it shows: a file that is not an
// SQLite database, or one shorter than its header says (truncated, naming
// the pages missing). SQLite cannot open a truncated file at all, so this
// is the only precise word on it. A file that looks whole gives no
// problem; its pages are Verify's to check. A write-ahead log beside the
// file may hold pages the file lacks, so the length is not judged while
// one is there. The error is for a file that cannot be read.
func CheckFile(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, nil // SQLite's empty database
	}
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	where := "file " + path
	if err != nil || !bytes.Equal(h[:16], []byte("SQLite format 3\x00")) {
		return []Problem{{What: "database", Where: where, Detail: fmt.Sprintf("not an SQLite database: it starts with %q", h[:min(n, 16)])}}, nil
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return []Problem{{What: "database", Where: where, Detail: fmt.Sprintf("its header gives an impossible page size, %d", pageSize)}}, nil
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return nil, nil
	}
	// The page count in the header is valid when the change counter
	// matches the version-valid-for number (SQLite 3.7.0 and later).
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	if pages == 0 || binary.BigEndian.Uint32(h[24:28]) != binary.BigEndian.Uint32(h[92:96]) {
		return nil, nil
	}
	if want := pages * pageSize; size < want {
		have := size / pageSize
		missing := fmt.Sprintf("pages %d to %d are missing", have+1, pages)
		if have+1 == pages {
			missing = fmt.Sprintf("page %d is missing", pages)
		}
		detail := fmt.Sprintf("truncated: the file holds %d bytes (%d whole pages of %d bytes) but its header says %d pages (%d bytes); %s",
			size, have, pageSize, pages, want, missing)
		if size%pageSize != 0 {
			detail += fmt.Sprintf(", page %d only in part", have+1)
		}
		return []Problem{{What: "database", Where: where, Detail: detail}}, nil
	}
	return nil, nil
}
