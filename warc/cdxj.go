package warc

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SURT returns the key a CDXJ index sorts a URL under, as pywb and
// warcio.js make it: lower case, "www." dropped, host labels reversed and
// joined by commas, the port kept when not the scheme's default, ")" and
// the path, and the query's parameters sorted; no scheme, no fragment.
// "https://www.Example.com/a/B?z=1&a=2" gives "com,example)/a/b?a=2&z=1".
// A URL that does not parse is its own key.
func SURT(raw string) string {
	if !strings.HasPrefix(raw, "http:") && !strings.HasPrefix(raw, "https:") {
		return raw
	}
	s := wwwPrefix.ReplaceAllString(raw, "$1")
	u, err := url.Parse(strings.ToLower(s))
	if err != nil || u.Host == "" {
		return raw
	}
	host := u.Hostname()
	labels := strings.Split(host, ".")
	slices.Reverse(labels)
	var b strings.Builder
	b.WriteString(strings.Join(labels, ","))
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		b.WriteString(":" + p)
	}
	b.WriteString(")")
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	if u.RawQuery != "" {
		args := strings.Split(u.RawQuery, "&")
		slices.Sort(args)
		b.WriteString("?" + strings.Join(args, "&"))
	}
	return b.String()
}

var wwwPrefix = regexp.MustCompile(`^(https?://)www\d*\.`)

// cdxjFields is one CDXJ line's JSON, in the order warcio.js writes them.
type cdxjFields struct {
	URL      string `json:"url"`
	Mime     string `json:"mime,omitempty"`
	Status   string `json:"status,omitempty"`
	Digest   string `json:"digest,omitempty"`
	Length   string `json:"length"`
	Offset   string `json:"offset"`
	Filename string `json:"filename"`
}

// CDXJ returns the index line of a response or revisit record: SURT key,
// 14-digit UTC timestamp, and a JSON object with url, mime, status, digest
// (the payload digest without its "sha256:" algorithm, as warcio.js and
// pywb write it), length, offset and filename.
func (e Entry) CDXJ() string {
	f := cdxjFields{URL: e.URL, Mime: e.Mime, Digest: e.Digest, Length: strconv.FormatInt(e.Length, 10),
		Offset: strconv.FormatInt(e.Offset, 10), Filename: e.Filename}
	if _, d, ok := strings.Cut(e.Digest, ":"); ok {
		f.Digest = d
	}
	if e.Status != 0 {
		f.Status = strconv.Itoa(e.Status)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(f) // strings only: cannot fail
	return SURT(e.URL) + " " + e.Date.UTC().Format("20060102150405") + " " + strings.TrimSuffix(b.String(), "\n")
}

// DefaultIndexMemory is how many bytes of lines an Index sorts in memory
// before it spills them to a temporary file.
const DefaultIndexMemory = 16 << 20

// Index collects CDXJ lines and writes them sorted (byte order, as pywb
// needs), in bounded memory: past Memory bytes, sorted runs go to temporary
// files that are merged at the end. Close removes them.
type Index struct {
	// Dir is where runs are spilled ("" for the system's temporary
	// directory); Memory bounds the lines held (0: DefaultIndexMemory).
	Dir    string
	Memory int

	lines []string
	size  int
	runs  []string
	count int
}

// Add adds the line of a response or revisit entry; others are ignored.
func (ix *Index) Add(e Entry) error {
	if e.Type != "response" && e.Type != "revisit" {
		return nil
	}
	line := e.CDXJ()
	ix.lines = append(ix.lines, line)
	ix.size += len(line) + 16
	ix.count++
	limit := ix.Memory
	if limit <= 0 {
		limit = DefaultIndexMemory
	}
	if ix.size >= limit {
		return ix.spill()
	}
	return nil
}

// Len is the number of lines added.
func (ix *Index) Len() int { return ix.count }

// spill writes the lines held, sorted, to a temporary file.
func (ix *Index) spill() error {
	slices.Sort(ix.lines)
	f, err := os.CreateTemp(ix.Dir, "annals-cdxj-*.run")
	if err != nil {
		return fmt.Errorf("cdxj index: %w", err)
	}
	ix.runs = append(ix.runs, f.Name())
	w := bufio.NewWriter(f)
	for _, l := range ix.lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cdxj index: %w", err)
	}
	ix.lines, ix.size = ix.lines[:0], 0
	return nil
}

// WriteTo writes every line, sorted, to w.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	slices.Sort(ix.lines)
	bw := bufio.NewWriter(w)
	cw := &countingWriter{w: bw}
	var h runHeap
	for _, name := range ix.runs {
		f, err := os.Open(name)
		if err != nil {
			return 0, fmt.Errorf("cdxj index: %w", err)
		}
		defer f.Close()
		r := &run{sc: bufio.NewScanner(f)}
		r.sc.Buffer(make([]byte, 64<<10), 64<<20)
		if r.next() {
			h = append(h, r)
		} else if err := r.sc.Err(); err != nil {
			return 0, fmt.Errorf("cdxj index: %w", err)
		}
	}
	mem := &run{lines: ix.lines}
	if mem.next() {
		h = append(h, mem)
	}
	heap.Init(&h)
	for h.Len() > 0 {
		r := h[0]
		io.WriteString(cw, r.line)
		if _, err := cw.Write([]byte{'\n'}); err != nil {
			return cw.n, err
		}
		if r.next() {
			heap.Fix(&h, 0)
		} else {
			if r.sc != nil && r.sc.Err() != nil {
				return cw.n, fmt.Errorf("cdxj index: %w", r.sc.Err())
			}
			heap.Pop(&h)
		}
	}
	return cw.n, bw.Flush()
}

// Close removes the temporary files.
func (ix *Index) Close() error {
	var err error
	for _, name := range ix.runs {
		if rerr := os.Remove(name); rerr != nil && err == nil {
			err = rerr
		}
	}
	ix.runs, ix.lines = nil, nil
	return err
}

// run is one sorted sequence of lines: a spilled file or the lines in
// memory.
type run struct {
	sc    *bufio.Scanner
	lines []string
	line  string
}

func (r *run) next() bool {
	if r.sc != nil {
		if !r.sc.Scan() {
			return false
		}
		r.line = r.sc.Text()
		return true
	}
	if len(r.lines) == 0 {
		return false
	}
	r.line, r.lines = r.lines[0], r.lines[1:]
	return true
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return h[i].line < h[j].line }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
