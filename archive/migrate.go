package archive

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// ErrNewerSchema is returned by Open for an archive written by a newer
// version of annals than this one.
var ErrNewerSchema = errors.New("archive was written by a newer version of annals: upgrade annals to open it")

// schemaFS holds the migrations, one file each, named NNN_what.sql. File
// NNN moves the schema from version NNN-1 to NNN; files are never edited
// once released, only added.
//
//go:embed schema/*.sql
var schemaFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order, checking that
// versions run 1, 2, 3, … without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(schemaFS, "schema")
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || path.Ext(name) != ".sql" {
			return nil, fmt.Errorf("embedded schema file %q is not named NNN_what.sql", name)
		}
		b, err := schemaFS.ReadFile("schema/" + name)
		if err != nil {
			return nil, fmt.Errorf("read embedded schema %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("embedded schema: expected version %d, found %s", i+1, m.name)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this build of annals writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the archive's schema up to date, one migration per
// transaction, recording the version in PRAGMA user_version.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("schema version %d, this annals knows up to %d: %w", current, len(ms), ErrNewerSchema)
	}
	for _, m := range ms[current:] {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate to schema %d: %w", m.version, err)
		}
		// Another process may have migrated while we waited for the lock.
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to schema %d: %w", m.version, err)
		}
		if v >= m.version {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to schema %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to schema %d: %w", m.version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to schema %d: %w", m.version, err)
		}
		db.Logger.Info("archive schema upgraded", "path", db.Path, "version", m.version, "migration", m.name)
	}
	return nil
}

// errOlderSchema is wrapped by checkVersion's error for an archive an
// older annals wrote: a read-only open upgrades it first (upgradeForReading).
var errOlderSchema = errors.New("it needs upgrading, which a writer does when it opens the archive (e.g. annals verify)")

// checkVersion refuses, for a read-only open, an archive that is newer than
// this build or older than it (an older one must be upgraded by a writer).
func (db *DB) checkVersion(ctx context.Context) error {
	var current int
	if err := db.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	latest := SchemaVersion()
	switch {
	case current > latest:
		return fmt.Errorf("schema version %d, this annals knows up to %d: %w", current, latest, ErrNewerSchema)
	case current == 0:
		return errors.New("not an annals archive (no schema): crawl into it first")
	case current < latest:
		return fmt.Errorf("archive schema %d is older than %d: %w", current, latest, errOlderSchema)
	}
	return nil
}
