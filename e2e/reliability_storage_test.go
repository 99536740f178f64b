package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/portal"
)

// TestReliability_DiskFull fills the archive's disk in the middle of a
// crawl of the sample portal: the crawl must stop with a clear message,
// the archive stay consistent (annals verify), and the next run, with
// space again, resume and finish, leaving the same archive as an
// uninterrupted crawl. The disk is a small tmpfs mounted by the test when
// it can (as root), and, everywhere, a file-size limit (RLIMIT_FSIZE) put
// on the crawl process, which makes its writes fail as a full disk does.
func TestReliability_DiskFull(t *testing.T) {
	t.Parallel()
	t.Run("tmpfs", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		disk := filepath.Join(dir, "disk")
		if err := os.Mkdir(disk, 0o755); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() != 0 {
			t.Skip("mounting a tmpfs needs root; the file-size limit case covers a full disk")
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a tmpfs here (%v: %s); the file-size limit case covers a full disk", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
		diskFull(t, dir, filepath.Join(disk, "annals.db"), nil, func() {
			if out, err := exec.Command("mount", "-o", "remount,size=64m", disk).CombinedOutput(); err != nil {
				t.Fatalf("remount: %v: %s", err, out)
			}
		})
	})
	t.Run("file size limit", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		limit := func(p *proc) {
			if err := limitFileSize(p.cmd.Process.Pid, 1<<20); err != nil {
				t.Skipf("cannot limit the crawl's file size: %v", err)
			}
		}
		diskFull(t, dir, filepath.Join(dir, "annals.db"), limit, func() {})
	})
}

// diskFull crawls the portal into db until the disk fills (limit, when
// set, is applied to the crawl process as it starts), checks the failure
// and the archive, gives space back with more, and crawls again.
func diskFull(t *testing.T, dir, db string, limit func(*proc), more func()) {
	_, base := servePortal(t, portal.Options{})
	ref := filepath.Join(dir, "reference.db")
	mustRun(t, dir, crawlArgs(ref, base+"/", "--delay", "0")...)

	p := start(t, dir, crawlArgs(db, base+"/", "--delay", "0")...)
	if limit != nil {
		limit(p)
	}
	code := p.wait(t, time.Duration(slack())*time.Minute)
	errOut := p.stderr.String()
	if code != 1 {
		t.Fatalf("crawl onto a full disk: exit %d, want 1\n%s\n%s", code, p.stdout.String(), errOut)
	}
	last := lastLine(errOut)
	t.Logf("the crawl stopped with: %s", last)
	for _, want := range []string{"full", "run the same command again"} {
		if !strings.Contains(last, want) {
			t.Errorf("the message does not say %q:\n%s", want, last)
		}
	}
	// verify on the full disk: it checks the archive, or says that the
	// disk is full; it must not find damage.
	out, errV, vcode := run(t, dir, "verify", "--db", db)
	switch {
	case vcode == 0 && strings.Contains(out, "ok: no damage found"):
		t.Logf("verify on the full disk: %s", lastLine(out))
	case vcode == 1 && !strings.Contains(out, "DAMAGED") && strings.Contains(errV, "full"):
		t.Logf("verify cannot run on the full disk: %s", lastLine(errV))
	default:
		t.Errorf("verify on the full disk: exit %d\n%s%s", vcode, out, errV)
	}

	more()
	if out := mustRun(t, dir, "verify", "--db", db); !strings.Contains(out, "ok: no damage found") {
		t.Errorf("verify with space again, before the next crawl:\n%s", out)
	}
	_, errOut, code = run(t, dir, crawlArgs(db, base+"/", "--delay", "0")...)
	if code != 0 || !strings.Contains(errOut, `"resumed":true`) {
		t.Fatalf("crawl with space again: exit %d, want 0 and a resumed pass\n%s", code, errOut)
	}
	if out := mustRun(t, dir, "verify", "--db", db); !strings.Contains(out, "ok: no damage found") {
		t.Errorf("verify after the resumed crawl:\n%s", out)
	}
	compareArchives(t, "after a full disk", dir, ref, db)
}

// lastLine is the last line of s that is not empty.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestReliability_CorruptArchive damages a copy of a crawled archive in
// three ways and checks that annals verify finds each and says precisely
// where: bytes overwritten in a b-tree page (the page and the table it
// belongs to), the file truncated (the pages missing), and one payload's
// stored bytes altered (the payload, its digest, and the captures and URLs
// that hold it).
func TestReliability_CorruptArchive(t *testing.T) {
	t.Parallel()
	_, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.db")
	mustRun(t, dir, crawlArgs(clean, base+"/", "--delay", "0")...)
	whole, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096 // the archive's page size (SQLite's default)
	if got := int(whole[16])<<8 | int(whole[17]); got != pageSize {
		t.Fatalf("page size %d, want %d", got, pageSize)
	}
	pages := len(whole) / pageSize
	verify := func(t *testing.T, data []byte) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "annals.db")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, dir, "verify", "--db", path)
		if code != 1 || !strings.Contains(out, "DAMAGED") {
			t.Fatalf("verify of a damaged archive: exit %d\n%s%s", code, out, errOut)
		}
		return strings.ReplaceAll(out, path, "annals.db")
	}

	t.Run("page", func(t *testing.T) {
		// The header of a table's leaf page in use past the middle of the
		// file (not the schema's, on page 1) overwritten.
		free := freePages(whole, pageSize)
		page := 0
		for p := pages / 2; p <= pages; p++ {
			if whole[(p-1)*pageSize] == 0x0d && !free[p] { // a table b-tree leaf page
				page = p
				break
			}
		}
		if page == 0 {
			t.Fatal("no table leaf page in the second half of the file")
		}
		data := bytes.Clone(whole)
		copy(data[(page-1)*pageSize+1:], bytes.Repeat([]byte{0xee}, 7))
		out := verify(t, data)
		if !regexp.MustCompile(fmt.Sprintf(`DAMAGED database: page %d of (table|index) \S+`, page)).MatchString(out) {
			t.Errorf("the report does not name page %d and its table:\n%s", page, out)
		}
		t.Logf("page %d overwritten:\n%s", page, out)
	})
	t.Run("truncated", func(t *testing.T) {
		keep := pages * 2 / 3
		out := verify(t, whole[:keep*pageSize+100])
		want := fmt.Sprintf("truncated: the file holds %d bytes (%d whole pages of %d bytes) but its header says %d pages (%d bytes); pages %d to %d are missing, page %d only in part",
			keep*pageSize+100, keep, pageSize, pages, len(whole), keep+1, pages, keep+1)
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say what is missing:\n%s\nwant %s", out, want)
		}
		t.Logf("truncated to %d bytes:\n%s", keep*pageSize+100, out)
	})
	t.Run("payload", func(t *testing.T) {
		// Payloads are zstd frames in the file. A byte in one, changed:
		// the first frame whose change verify sees (copies of frames may
		// linger in free space, where a change harms nothing).
		magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
		tried := 0
		for off := bytes.Index(whole, magic); off >= 0 && tried < 20; {
			tried++
			data := bytes.Clone(whole)
			at := off + 40
			if at/pageSize != off/pageSize {
				at = off + 5
			}
			data[at] ^= 0x55
			path := filepath.Join(t.TempDir(), "annals.db")
			os.WriteFile(path, data, 0o644)
			out, _, code := run(t, dir, "verify", "--db", path)
			if code != 0 {
				re := regexp.MustCompile(`DAMAGED payload: payload \d+ \(sha256 [0-9a-f]{64}, \d+ bytes\): .+; captured as capture \d+ of ` + regexp.QuoteMeta(base) + `/\S*`)
				if !re.MatchString(out) || strings.Contains(out, "DAMAGED database") {
					t.Errorf("a payload altered at byte %d of the file:\n%s", at, out)
				}
				t.Logf("a byte of a payload altered (frame %d tried):\n%s", tried, strings.ReplaceAll(out, path, "annals.db"))
				return
			}
			next := bytes.Index(whole[off+1:], magic)
			if next < 0 {
				break
			}
			off += 1 + next
		}
		t.Fatalf("no altered payload was detected in %d tries", tried)
	})
}

// freePages returns the pages on the freelist of an SQLite file (whatever
// they hold is not in use), read from its header and trunk pages.
func freePages(data []byte, pageSize int) map[int]bool {
	be := func(b []byte) int { return int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3]) }
	free := map[int]bool{}
	for trunk := be(data[32:36]); trunk > 0 && (trunk-1)*pageSize+8 <= len(data) && !free[trunk]; {
		free[trunk] = true
		t := data[(trunk-1)*pageSize:]
		for i := range be(t[4:8]) {
			if off := 8 + 4*i; off+4 <= pageSize {
				free[be(t[off:off+4])] = true
			}
		}
		trunk = be(t[0:4])
	}
	return free
}
