package warc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultMaxFileSize is the size at which Dir starts a new file (the WARC
// standard's annex suggests 1 GB).
const DefaultMaxFileSize = 1 << 30

// openSuffix marks a file Dir is still writing.
const openSuffix = ".open"

// errClosed is returned by writes to a closed Dir.
var errClosed = errors.New("warc: writer is closed")

// DirOptions configure a Dir.
type DirOptions struct {
	// Dir is the directory the files go to; it must exist.
	Dir string
	// Prefix starts every file name: PREFIX-YYYYMMDDhhmmssSSS-NNNNN.warc.gz
	// (UTC time of the file's creation, serial from 1).
	Prefix string
	// MaxSize is the size after which a file is closed and the next
	// capture starts a new one (a capture's records never span two files);
	// 0 means DefaultMaxFileSize.
	MaxSize int64
	// Info goes into the warcinfo record that starts each file.
	Info Info
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Dir writes captures as they happen into .warc.gz files in a directory,
// starting a new file when one reaches MaxSize. A file being written ends in
// ".open"; Close (and each rotation) syncs it and renames it to its final
// name, so that a file without the suffix is complete. It is safe for
// concurrent use.
type Dir struct {
	opts DirOptions

	mu     sync.Mutex
	f      *os.File
	w      *Writer
	name   string // final name of the open file
	serial int
	files  []string // closed files, in order
	closed bool
}

// OpenDir checks the directory and returns a Dir; the first file is created
// with the first record.
func OpenDir(o DirOptions) (*Dir, error) {
	st, err := os.Stat(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("warc directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("warc directory %s is not a directory", o.Dir)
	}
	if o.Prefix == "" {
		o.Prefix = "annals"
	}
	if strings.ContainsAny(o.Prefix, `/\`) {
		return nil, fmt.Errorf("warc file prefix %q contains a path separator", o.Prefix)
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxFileSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Dir{opts: o}, nil
}

// WriteCapture writes the request and response records of c.
func (d *Dir) WriteCapture(c *Capture) (Entry, error) {
	return d.do(func(w *Writer) (Entry, error) { return w.WriteCapture(c) })
}

// WriteRevisit writes the request and revisit records of r.
func (d *Dir) WriteRevisit(r *Revisit) (Entry, error) {
	return d.do(func(w *Writer) (Entry, error) { return w.WriteRevisit(r) })
}

// WriteFailure writes the metadata record of a fetch without a response.
func (d *Dir) WriteFailure(f *Failure) (Entry, error) {
	return d.do(func(w *Writer) (Entry, error) { return w.WriteFailure(f) })
}

// do runs one write in the current file, opening a new one first when there
// is none or the current one is full.
func (d *Dir) do(write func(*Writer) (Entry, error)) (Entry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return Entry{}, errClosed
	}
	if d.w != nil && d.w.Size() >= d.opts.MaxSize {
		if err := d.closeFile(); err != nil {
			return Entry{}, err
		}
	}
	if d.w == nil {
		if err := d.openFile(); err != nil {
			return Entry{}, err
		}
	}
	e, err := write(d.w)
	if err != nil {
		return e, fmt.Errorf("%s: %w", d.name, err)
	}
	return e, nil
}

func (d *Dir) openFile() error {
	now := d.opts.Now().UTC()
	for {
		d.serial++
		name := fmt.Sprintf("%s-%s%03d-%05d.warc.gz", d.opts.Prefix, now.Format("20060102150405"), now.Nanosecond()/1e6, d.serial)
		path := filepath.Join(d.opts.Dir, name)
		if _, err := os.Stat(path); err == nil {
			continue // left by an earlier run in the same millisecond
		}
		f, err := os.OpenFile(path+openSuffix, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create WARC file: %w", err)
		}
		d.f, d.name = f, name
		d.w = NewWriter(f, name, true)
		if _, err := d.w.WriteInfo(&d.opts.Info, now); err != nil {
			d.f.Close()
			os.Remove(f.Name())
			d.f, d.w = nil, nil
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
}

// closeFile syncs the open file, closes it and gives it its final name.
func (d *Dir) closeFile() error {
	if d.f == nil {
		return nil
	}
	f, name := d.f, d.name
	d.f, d.w, d.name = nil, nil, ""
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(d.opts.Dir, name))
	}
	if err == nil {
		err = syncDir(d.opts.Dir)
	}
	if err != nil {
		return fmt.Errorf("close WARC file %s: %w", name, err)
	}
	d.files = append(d.files, name)
	return nil
}

// Path is the directory the files go to.
func (d *Dir) Path() string { return d.opts.Dir }

// Files returns the names of the files closed so far, oldest first.
func (d *Dir) Files() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.files...)
}

// Close closes the file being written. It is safe to call more than once;
// writes after it fail.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return d.closeFile()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
