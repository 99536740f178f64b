package archive

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDB_Verify(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://tl.example.cn/v.html"
	v1 := syntheticHTML(3, 30)
	record(t, db, page(u, v1, t0), story())
	v2 := strings.Replace(v1, "<p>", "<p>更正：", 1)
	o2 := record(t, db, page(u, v2, t0.Add(time.Hour)), story())
	record(t, db, page("http://tl.example.cn/other.html", syntheticHTML(4, 5), t0), nil)

	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() || rep.Payloads != 3 || rep.Versions != 1 || rep.Headers == 0 {
		t.Fatalf("clean archive: %+v %v", rep, err)
	}

	// Alter the stored bytes of the first payload (the base of the
	// second's delta) and the text of the version.
	if _, err := db.write.Exec(`UPDATE payloads SET data = CAST(substr(data, 1, 40) || x'00' || substr(data, 42) AS BLOB) WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(`UPDATE versions SET body = replace(body, '开幕', '闭幕')`); err != nil {
		t.Fatal(err)
	}
	rep, err = db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"payload: payload 1 (sha256 ",
		"captured as capture 1 of " + u,
		"payload: payload 2 (sha256 " + o2.PayloadSHA256,
		"base: payload 1",
		"version: version 1 of article 1 (row 1): content hashes to",
		"full-text index fts_trigram",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("report lacks %q:\n%s", want, all)
		}
	}
	if len(rep.Problems) != 4 {
		t.Errorf("%d problems, want 4 (two payloads, one version, one index):\n%s", len(rep.Problems), all)
	}
}
