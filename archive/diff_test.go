package archive

import (
	"context"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

func TestDB_Diff(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://tl.example.cn/d.html"
	a := story()
	o := record(t, db, page(u, "<p>1</p>", t0), a)
	b := *a
	b.Title = "通辽市第五次党代会隆重开幕"
	b.Bylines = []extract.Byline{{Name: "赵彦臻", Role: extract.RoleReporter}}
	b.Body = "本报讯（记者 赵彦臻）9月27日，中国共产党通辽市第五次代表大会隆重开幕。\n\n新增的一段。\n\n人大代表列席会议。"
	record(t, db, page(u, "<p>2</p>", t0.Add(time.Hour)), &b)

	d, err := db.Diff(ctx, o.ArticleID, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{}
	for _, f := range d.Fields {
		changed[f.Field] = f.Changed
	}
	if !changed["title"] || !changed["bylines"] || !changed["body"] || changed["kicker"] || changed["published"] {
		t.Fatalf("fields: %+v", d.Fields)
	}
	if got := d.Fields[0].Inline; len(got) != 3 || got[1].Op != OpInsert || got[1].Text != "隆重" {
		t.Fatalf("title inline diff: %+v", got)
	}
	var ops []string
	for _, p := range d.Paragraphs {
		ops = append(ops, string(p.Op))
	}
	// Paragraph 1 rewritten, paragraph 2 replaced by a new one, paragraph 3 kept.
	want := []string{"delete", "delete", "insert", "insert", "equal"}
	if len(ops) != len(want) {
		t.Fatalf("paragraph ops %v, want %v", ops, want)
	}
	for i := range want {
		if ops[i] != want[i] {
			t.Fatalf("paragraph ops %v, want %v", ops, want)
		}
	}
	var inserted bool
	for _, x := range d.Paragraphs[2].Inline {
		if x.Op == OpInsert && x.Text == "隆重" {
			inserted = true
		}
	}
	if !inserted {
		t.Fatalf("rewritten paragraph inline diff: %+v", d.Paragraphs[2].Inline)
	}
	if _, err := db.Diff(ctx, o.ArticleID, 1, 9); err == nil {
		t.Fatal("diff with a missing version succeeded")
	}
}
