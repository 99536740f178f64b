package archive

import (
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"通辽市人大", "通辽 辽市 市人 人大 大"},
		{"人", "人"},
		{"G20峰会开幕, Tongliao's news 2021年", "G20 峰会 会开 开幕 幕 Tongliao s news 2021 年"},
		{"東京タワー", "東京 京タ タワ ワー ー"},
		{"  ", ""},
	} {
		if got := tokenize(tt.in); got != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryTokens(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []qtoken
	}{
		{"通辽", []qtoken{{"通辽", false}}},
		{"辽", []qtoken{{"辽", true}}},
		{"通辽市", []qtoken{{"通辽", false}, {"辽市", false}}},
		{"G20峰", []qtoken{{"G20", false}, {"峰", true}}},
		{"COVID-19", []qtoken{{"COVID", false}, {"19", false}}},
		{"，。", nil},
	} {
		if got := queryTokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("queryTokens(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalize_SameContent(t *testing.T) {
	a := story()
	b := story()
	b.Title = " 通辽市第五次党代会开幕\u3000"
	b.Body = "本报讯（记者 赵彦臻）9月27日，中国共产党通辽市第五次代表大会开幕。\r\n\r\n\r\n大会听取并审议了市委工作报告。\n人大代表列席会议。  "
	if normalize(a).hash() == nil || string(normalize(a).hash()) != string(normalize(b).hash()) {
		t.Fatalf("whitespace variants hash differently:\n%q\n%q", normalize(a), normalize(b))
	}
	// NFC: a decomposed é equals the composed one.
	c, d := story(), story()
	c.Title, d.Title = "Café", "Cafe\u0301"
	if string(normalize(c).hash()) != string(normalize(d).hash()) {
		t.Fatal("NFC variants hash differently")
	}
	// Moving text between fields changes the hash.
	e, f := story(), story()
	e.Kicker, e.Subtitle = "ab", ""
	f.Kicker, f.Subtitle = "a", "b"
	if string(normalize(e).hash()) == string(normalize(f).hash()) {
		t.Fatal("field boundaries ignored")
	}
}
