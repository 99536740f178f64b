package web

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

var benchArticles = flag.Int("bench-articles", 100000, "articles in the search benchmark's archive")

// Vocabulary of the synthetic articles: Chinese words of local news and
// government notices, and English words, drawn with a skew so that some
// are common and most are rare, as in real text.
var (
	benchZH = strings.Fields(`通辽 人大 政协 代表 委员 会议 召开 市委 市政府 党代会 开幕 闭幕 报告 审议 通过 工作 发展 经济 社会 生态 治理
		环境 保护 草原 沙漠 西辽河 科尔沁 农牧民 增收 乡村 振兴 项目 建设 投资 企业 产业 园区 招商 引资 教育 医疗 卫生 疫情
		防控 疫苗 接种 交通 公路 铁路 机场 供热 供水 管网 改造 老旧 小区 住房 保障 就业 创业 培训 科技 创新 文化 旅游 体育
		赛事 民族 团结 进步 安全 生产 检查 应急 防汛 抗旱 森林 防火 扶贫 脱贫 攻坚 巩固 成果 财政 预算 税收 金融 银行 贷款
		粮食 丰收 玉米 牛羊 养殖 肉牛 奶业 合作社 电商 物流 快递 消费 市场 价格 监管 食品 药品 质量 标准 法治 政府 服务
		改革 营商 环境 优化 审批 政务 公开 群众 满意 社区 街道 志愿 服务 活动 庆祝 周年 纪念 表彰 先进 典型 学习 宣传`)
	benchEN = strings.Fields(`council election voters city government report meeting budget river grassland desert heating
		school hospital road railway airport investment company project farmers harvest cattle dairy tourism festival culture
		sports museum police court law reform market price inspection safety flood drought fire forest vaccine health
		housing employment training science technology innovation province county village mayor minister official statement
		announced approved opened closed launched reported said according residents local national annual new old first`)
	benchSites = []string{"tl.example.cn", "nmg.example.cn", "gov.example.cn", "news.example.com", "daily.example.org",
		"kerqin.example.cn", "xlh.example.cn", "en.example.cn"}
)

// benchVocab is the synthetic archive's vocabulary: 30,000 Chinese and
// 20,000 English words ranked by frequency, drawn with Zipf's law as in
// real text. The named words above sit at ranks from about 30 (in most
// articles) to about 3,000 (in a few hundred), so that the benchmark's
// queries span common and rare terms; the rest are made up from their
// characters and syllables.
type benchVocab struct {
	zh, en []string
}

var benchVocabulary = sync.OnceValue(func() *benchVocab {
	r := rand.New(rand.NewPCG(7, 7))
	build := func(named []string, size int, word func() string) []string {
		words := make([]string, size)
		seen := map[string]bool{}
		for k, w := range named {
			// Geometric spacing from rank 30 to rank 3000.
			rank := int(30 * math.Pow(100, float64(k)/float64(len(named)-1)))
			for words[rank] != "" {
				rank++
			}
			words[rank], seen[w] = w, true
		}
		for i := range words {
			for words[i] == "" {
				if w := word(); !seen[w] {
					words[i], seen[w] = w, true
				}
			}
		}
		return words
	}
	var chars []rune
	for _, w := range benchZH {
		chars = append(chars, []rune(w)...)
	}
	zhWord := func() string {
		n := 2 + r.IntN(3)/2 // mostly two characters, some three
		if r.IntN(10) == 0 {
			n = 4
		}
		w := make([]rune, n)
		for i := range w {
			w[i] = chars[r.IntN(len(chars))]
		}
		return string(w)
	}
	syll := strings.Fields("ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu")
	enWord := func() string {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		return b.String()
	}
	return &benchVocab{zh: build(benchZH, 30000, zhWord), en: build(benchEN, 20000, enWord)}
})

// benchArticle builds article i of the synthetic archive: 70% Chinese,
// 30% English, 3 to 9 paragraphs, published over four years.
func benchArticle(i int) (*archive.Capture, *extract.Article) {
	v := benchVocabulary()
	r := rand.New(rand.NewPCG(uint64(i), 42))
	zh := r.IntN(10) < 7
	words := v.en
	if zh {
		words = v.zh
	}
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(words)-1))
	pick := func() string { return words[zipf.Uint64()] }
	var paras []string
	for range 3 + r.IntN(7) {
		var b strings.Builder
		for range 4 + r.IntN(6) {
			for range 5 + r.IntN(8) {
				if zh {
					b.WriteString(pick())
				} else {
					b.WriteString(pick() + " ")
				}
			}
			if zh {
				b.WriteString("。")
			} else {
				b.WriteString(". ")
			}
		}
		paras = append(paras, strings.TrimSpace(b.String()))
	}
	var title strings.Builder
	for range 3 + r.IntN(4) {
		if zh {
			title.WriteString(pick())
		} else {
			title.WriteString(pick() + " ")
		}
	}
	site := benchSites[i%len(benchSites)]
	pub := time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(4*365*24)) * time.Hour)
	lang := "en"
	if zh {
		lang = "zh"
	}
	a := &extract.Article{Title: strings.TrimSpace(title.String()), Body: strings.Join(paras, "\n\n"), Language: lang,
		Published: pub.Format("2006-01-02"), Bylines: []extract.Byline{{Name: fmt.Sprintf("记者%d", i%500), Role: extract.RoleReporter}}}
	url := fmt.Sprintf("http://%s/%s/%d.html", site, pub.Format("2006/01/02"), i)
	c := &archive.Capture{URL: url, Method: "GET", Status: 200, StartedAt: pub.Add(time.Hour),
		Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
		Body:   []byte("<html><head><title>" + a.Title + "</title></head><body><h1>" + a.Title + "</h1><p>" + strings.Join(paras, "</p><p>") + "</p></body></html>")}
	return c, a
}

// buildBenchArchive records n synthetic articles from several goroutines
// (their writes share commits) and gives every tenth one a second
// version and every fiftieth a 404.
func buildBenchArchive(b *testing.B, path string, n int) {
	b.Helper()
	ctx := context.Background()
	db := archive.NewDB(path)
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				c, a := benchArticle(i)
				if _, err := db.Record(ctx, c, a); err != nil {
					errs <- err
					return
				}
				switch {
				case i%10 == 0:
					c2 := *c
					c2.StartedAt = c.StartedAt.Add(48 * time.Hour)
					c2.Body = append(slices.Clone(c.Body), "<!-- edited -->"...)
					a2 := *a
					a2.Body += "\n\n更正：本文有修改。"
					if _, err := db.Record(ctx, &c2, &a2); err != nil {
						errs <- err
						return
					}
				case i%50 == 1:
					gone := &archive.Capture{URL: c.URL, Method: "GET", Status: 404, StartedAt: c.StartedAt.Add(72 * time.Hour)}
					if _, err := db.Record(ctx, gone, nil); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.Logf("built an archive of %d articles in %v", n, time.Since(start).Round(time.Second))
}

// benchArchivePath builds the benchmark's archive, or reuses the one kept
// in $ANNALS_BENCH_DIR (building takes minutes).
func benchArchivePath(b *testing.B, n int) string {
	b.Helper()
	dir := os.Getenv("ANNALS_BENCH_DIR")
	if dir == "" {
		path := filepath.Join(b.TempDir(), "bench.db")
		buildBenchArchive(b, path, n)
		return path
	}
	path := filepath.Join(dir, fmt.Sprintf("web-search-%d-v%d.db", n, archive.SchemaVersion()))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	buildBenchArchive(b, tmp, n)
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	return path
}

// benchQueries are what researchers ask: short and long Chinese, phrases,
// boolean queries, English words, with and without filters.
var benchQueries = []string{
	"q=" + q("人大"),
	"q=" + q("通辽"),
	"q=" + q("西辽河"),
	"q=" + q("生态治理"),
	"q=" + q(`"人大代表"`),
	"q=" + q("人大 政协"),
	"q=" + q("人大 NOT 政协"),
	"q=" + q("供热 OR 供水"),
	"q=" + q("草原") + "&site=tl.example.cn",
	"q=" + q("会议") + "&since=2021-01-01&until=2021-12-31",
	"q=" + q("项目建设") + "&state=live",
	"q=" + q("疫情防控") + "&as_of=2021-06-30",
	"q=council",
	"q=" + q("election OR voters"),
	"q=" + q(`"city government"`),
	"q=heat*",
	"q=" + q("title:开幕"),
	"site=gov.example.cn",
	"state=gone",
	"q=" + q("人大") + "&offset=100",
}

// BenchmarkSearchAPI measures /api/search through the HTTP handler on an
// archive of -bench-articles articles (100,000 by default), beside the
// same searches made directly on the archive, and reports the latency
// percentiles of each (the goal: p95 ≤ 100 ms through the handler).
//
//	go test ./web -run '^$' -bench SearchAPI -benchtime 400x
func BenchmarkSearchAPI(b *testing.B) {
	path := benchArchivePath(b, *benchArticles)
	db := archive.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv, err := New(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	// Warm the page cache, as a running server has it.
	for _, qs := range benchQueries {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/api/search?"+qs, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", qs, rec.Code, rec.Body.String())
		}
	}
	b.Run("handler", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		per := map[string][]time.Duration{}
		for i := 0; b.Loop(); i++ {
			qs := benchQueries[i%len(benchQueries)]
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/api/search?"+qs, nil)
			rec := httptest.NewRecorder()
			t := time.Now()
			srv.ServeHTTP(rec, req)
			d := time.Since(t)
			lat = append(lat, d)
			per[qs] = append(per[qs], d)
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
		}
		for _, qs := range benchQueries {
			if ds, ok := per[qs]; ok {
				slices.Sort(ds)
				// Every hit counted (the handler counts up to MaxTotal).
				v, _ := url.ParseQuery(qs)
				p, err := ParseSearch(v)
				if err != nil {
					b.Fatal(err)
				}
				res, err := db.Search(context.Background(), p.Query())
				if err != nil {
					b.Fatal(err)
				}
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.Logf("median %7.1f ms  max %7.1f ms  %6d hits  %v", ms(ds[len(ds)/2]), ms(ds[len(ds)-1]), res.Total, v)
			}
		}
		reportLatency(b, lat, 100*time.Millisecond)
	})
	b.Run("archive", func(b *testing.B) {
		params := make([]archive.Query, len(benchQueries))
		for i, qs := range benchQueries {
			v, _ := urlValues(qs)
			p, err := ParseSearch(v)
			if err != nil {
				b.Fatal(err)
			}
			// The searches the handler makes: counting at most MaxTotal.
			params[i] = p.Query()
			params[i].MaxTotal = MaxTotal
		}
		lat := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			t := time.Now()
			if _, err := db.Search(context.Background(), params[i%len(params)]); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		reportLatency(b, lat, 0)
	})
}

// reportLatency reports the 50th, 95th and 99th percentiles, and says so
// when the 95th is above goal (if given). (A failed benchmark would hide
// its figures.)
func reportLatency(b *testing.B, lat []time.Duration, goal time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(pct(0.50)), "p50-ms")
	b.ReportMetric(ms(pct(0.95)), "p95-ms")
	b.ReportMetric(ms(pct(0.99)), "p99-ms")
	if goal > 0 && len(lat) >= 20 && pct(0.95) > goal {
		b.Logf("GOAL MISSED: p95 %v over %d searches is above the goal of %v", pct(0.95), len(lat), goal)
	}
}

func urlValues(qs string) (map[string][]string, error) {
	return url.ParseQuery(qs)
}
