package archive

import (
	"context"
	"reflect"
	"testing"
)

// TestDB_UnfinishedRuns finds every run of a job still marked running,
// however long ago it started, and no other job's or finished run.
func TestDB_UnfinishedRuns(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	start := func(job string) int64 {
		t.Helper()
		id, err := db.StartRun(ctx, RunInfo{Job: job, Seeds: []string{"http://a.example/"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	var want []int64
	for i := range 250 {
		id := start("a")
		start("b")
		switch {
		case i == 0 || i == 200: // died: left running
			want = append(want, id)
		case i%2 == 0:
			if _, err := db.FinishRun(ctx, id, RunCompleted, ""); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := db.FinishRun(ctx, id, RunFailed, "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	current := start("a")
	got, err := db.UnfinishedRuns(ctx, "a", current)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("unfinished runs of a = %v, want %v", got, want)
	}
	if got, err := db.UnfinishedRuns(ctx, "c", current); err != nil || len(got) != 0 {
		t.Errorf("unfinished runs of c = %v, %v", got, err)
	}
}
