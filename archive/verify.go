package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/annals/annals/extract"
)

// Problem is one piece of damage Verify found.
type Problem struct {
	What   string // "database", "payload", "headers", "version", "index"
	Where  string // which object: "payload 12 (sha256 …)", "page 7 of table versions"
	Detail string // what is wrong, and what it affects
}

func (p Problem) String() string { return p.What + ": " + p.Where + ": " + p.Detail }

// VerifyReport is what Verify checked and found.
type VerifyReport struct {
	Payloads     int   // payloads re-hashed
	PayloadBytes int64 // their raw bytes
	Headers      int   // header blocks re-hashed
	Versions     int   // versions whose content hash was recomputed
	Problems     []Problem
}

// OK reports whether nothing was found damaged.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// maxIntegrityMessages bounds what PRAGMA integrity_check reports.
const maxIntegrityMessages = 100

// Verify checks the whole archive: SQLite's integrity check of every page
// (naming the table or index each damaged page belongs to), the full-text
// indexes, every payload decoded and re-hashed against its SHA-256, every
// header block, and every version's content hash. It keeps going after
// damage and reports all of it; the error is only for a failure to check.
func (db *DB) Verify(ctx context.Context, progress func(done, total int)) (VerifyReport, error) {
	var rep VerifyReport
	add := func(what, where, detail string) {
		rep.Problems = append(rep.Problems, Problem{What: what, Where: where, Detail: detail})
	}
	if err := db.integrity(ctx, add); err != nil {
		return rep, err
	}
	if db.write != nil {
		db.verifyIndexes(ctx, add)
	}
	if err := db.verifyPayloads(ctx, &rep, add, progress); err != nil {
		return rep, err
	}
	if err := db.verifyHeaders(ctx, &rep, add); err != nil {
		return rep, err
	}
	if err := db.verifyVersions(ctx, &rep, add); err != nil {
		return rep, err
	}
	return rep, nil
}

// verifyIndexes indexes the versions waiting for the full-text indexes
// and checks both indexes, in one transaction, so that a version another
// process records meanwhile cannot read as missing from them. Damage is
// reported; a failure to write (a full disk) is not damage: the versions
// keep waiting, and fts_trigram is then checked without comparing it with
// the versions, from which they are missing by design.
func (db *DB) verifyIndexes(ctx context.Context, add func(what, where, detail string)) {
	// A backlog first, in transactions of its own; what comes in meanwhile
	// is indexed in the checking transaction.
	if _, err := db.indexAll(ctx); err != nil {
		db.Logger.Warn("versions waiting for the full-text index could not be indexed", "err", err)
	}
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		add("index", "full-text indexes", "cannot be checked: "+err.Error())
		return
	}
	defer sqltx.Rollback()
	n, more := 0, true
	for err == nil && more {
		var k int
		k, more, err = db.indexWaiting(ctx, db.wrap(sqltx), nil)
		n += k
	}
	indexed := err == nil
	if err != nil {
		if errors.Is(damaged(err), ErrDamaged) {
			add("index", "full-text indexes", "the versions waiting to be indexed cannot be: "+err.Error())
		} else {
			db.Logger.Warn("versions waiting for the full-text index could not be indexed; they keep waiting", "err", err)
		}
	}
	for _, t := range []string{"fts_trigram", "fts_tokens"} {
		// rank 1: compare an external-content index with its content too.
		rank := 1
		if !indexed {
			rank = 0
		}
		if _, err := sqltx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s(%[1]s, rank) VALUES ('integrity-check', %d)`, t, rank)); err != nil {
			add("index", "full-text index "+t, err.Error()+" (rebuildable from the versions table)")
		}
	}
	if indexed && n > 0 {
		if err := sqltx.Commit(); err != nil {
			db.Logger.Warn("versions indexed by verify could not be saved; they keep waiting", "versions", n, "err", err)
		}
	}
}

var (
	treeRe  = regexp.MustCompile(`Tree (\d+) page (\d+)`)
	pageRe  = regexp.MustCompile(`[Pp]age (\d+)`)
	indexRe = regexp.MustCompile(`in index (\S+)`)
)

// integrity runs PRAGMA integrity_check and names the owner of each page
// it complains about.
//
// It runs on a connection of its own: SQLite's integrity check of an FTS5
// table reuses what that connection last read of the index without
// asking whether another connection changed it since, so on a pooled
// reader it can report damage that is not there.
func (db *DB) integrity(ctx context.Context, add func(what, where, detail string)) error {
	fresh, err := sql.Open("sqlite", db.dsn(true))
	if err != nil {
		add("database", db.Path, "integrity check cannot run: "+err.Error())
		return nil
	}
	defer fresh.Close()
	fresh.SetMaxOpenConns(1)
	rows, err := fresh.QueryContext(ctx, fmt.Sprintf("PRAGMA integrity_check(%d)", maxIntegrityMessages))
	if err != nil {
		add("database", db.Path, "integrity check cannot run: "+err.Error())
		return nil
	}
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		msgs = append(msgs, err.Error())
	}
	rows.Close()
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	roots := map[int]string{}
	if rs, err := db.read.QueryContext(ctx, `SELECT type, name, rootpage FROM sqlite_schema WHERE rootpage > 0`); err == nil {
		for rs.Next() {
			var typ, name string
			var root int
			if rs.Scan(&typ, &name, &root) == nil {
				roots[root] = typ + " " + name
			}
		}
		rs.Close()
	}
	for _, m := range msgs {
		for _, line := range strings.Split(m, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line == "*** in database main ***" {
				continue
			}
			where := "file " + db.Path
			if t := treeRe.FindStringSubmatch(line); t != nil {
				root, _ := strconv.Atoi(t[1])
				owner := roots[root]
				if owner == "" {
					owner = "b-tree rooted at page " + t[1]
				}
				where = "page " + t[2] + " of " + owner
			} else if ix := indexRe.FindStringSubmatch(line); ix != nil {
				where = "index " + ix[1]
			} else if p := pageRe.FindStringSubmatch(line); p != nil {
				where = "page " + p[1] + db.pageOwner(ctx, p[1])
			}
			add("database", where, line)
		}
	}
	return nil
}

// pageOwner names the table or index a page belongs to, when the dbstat
// table can still tell.
func (db *DB) pageOwner(ctx context.Context, page string) string {
	var name string
	if err := db.read.QueryRowContext(ctx, `SELECT name FROM dbstat WHERE pageno = ?`, page).Scan(&name); err != nil {
		return ""
	}
	return " of " + name
}

func (db *DB) verifyPayloads(ctx context.Context, rep *VerifyReport, add func(what, where, detail string), progress func(done, total int)) error {
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM payloads`).Scan(&total); err != nil {
		add("database", "table payloads", "cannot count payloads: "+err.Error())
		return nil
	}
	ids, err := db.read.QueryContext(ctx, `SELECT id, sha256, size FROM payloads ORDER BY id`)
	if err != nil {
		add("database", "table payloads", "cannot list payloads: "+err.Error())
		return nil
	}
	type entry struct {
		id   int64
		sum  []byte
		size int64
	}
	var list []entry // ids and digests only: small even for a large archive
	for ids.Next() {
		var e entry
		if err := ids.Scan(&e.id, &e.sum, &e.size); err != nil {
			add("database", "table payloads", "cannot list payloads: "+err.Error())
			break
		}
		list = append(list, e)
	}
	if err := ids.Err(); err != nil {
		add("database", "table payloads", "cannot list every payload: "+err.Error())
	}
	ids.Close()
	for i, e := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := db.loadPayload(ctx, db.read, e.id, true); err != nil {
			add("payload", fmt.Sprintf("payload %d (sha256 %x, %d bytes)", e.id, e.sum, e.size),
				err.Error()+"; captured as "+db.payloadUsers(ctx, e.id))
		}
		rep.Payloads++
		rep.PayloadBytes += e.size
		if progress != nil && (i%500 == 0 || i == len(list)-1) {
			progress(i+1, total)
		}
	}
	return nil
}

// payloadUsers describes the captures that hold a payload.
func (db *DB) payloadUsers(ctx context.Context, id int64) string {
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, u.url FROM captures c JOIN urls u ON u.id = c.url_id
		WHERE c.payload_id = ? ORDER BY c.id LIMIT 4`, id)
	if err != nil {
		return "(captures unknown)"
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var cid int64
		var u string
		if rows.Scan(&cid, &u) == nil {
			parts = append(parts, fmt.Sprintf("capture %d of %s", cid, u))
		}
	}
	if len(parts) == 4 {
		parts[3] = "…"
	}
	if len(parts) == 0 {
		return "(no capture)"
	}
	return strings.Join(parts, ", ")
}

func (db *DB) verifyHeaders(ctx context.Context, rep *VerifyReport, add func(what, where, detail string)) error {
	rows, err := db.read.QueryContext(ctx, `SELECT id, sha256, block FROM headers ORDER BY id`)
	if err != nil {
		add("database", "table headers", err.Error())
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sum []byte
		var block string
		if err := rows.Scan(&id, &sum, &block); err != nil {
			add("database", "table headers", err.Error())
			return nil
		}
		if got := sha256.Sum256([]byte(block)); !bytes.Equal(got[:], sum) {
			add("headers", fmt.Sprintf("header block %d", id), fmt.Sprintf("hashes to %x, recorded %x", got, sum))
		}
		rep.Headers++
	}
	if err := rows.Err(); err != nil {
		add("database", "table headers", err.Error())
	}
	return ctx.Err()
}

func (db *DB) verifyVersions(ctx context.Context, rep *VerifyReport, add func(what, where, detail string)) error {
	rows, err := db.read.QueryContext(ctx, `SELECT v.id, v.article_id, v.version, v.content_sha256, v.title, v.kicker, v.subtitle,
		v.published, v.bylines, v.source, v.body FROM versions v ORDER BY v.id`)
	if err != nil {
		add("database", "table versions", err.Error())
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, article int64
			n           int
			sum         []byte
			a           extract.Article
			bylines     string
		)
		if err := rows.Scan(&id, &article, &n, &sum, &a.Title, &a.Kicker, &a.Subtitle, &a.Published, &bylines, &a.Source, &a.Body); err != nil {
			add("database", "table versions", err.Error())
			return nil
		}
		a.Bylines = parseBylines(bylines)
		if got := normalize(&a).hash(); !bytes.Equal(got, sum) {
			add("version", fmt.Sprintf("version %d of article %d (row %d)", n, article, id),
				fmt.Sprintf("content hashes to %x, recorded %x: its text was altered", got, sum))
		}
		rep.Versions++
	}
	if err := rows.Err(); err != nil {
		add("database", "table versions", err.Error())
	}
	return ctx.Err()
}
