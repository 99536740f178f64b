package archive_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
	"github.com/annals/annals/crawler/frontiertest"
)

func TestFrontier(t *testing.T) {
	frontiertest.Run(t, func(t *testing.T) crawler.Frontier {
		db := archive.NewDB(filepath.Join(t.TempDir(), "a.db"))
		if err := db.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return archive.NewFrontier(db)
	})
}

var _ crawler.Frontier = (*archive.Frontier)(nil)
