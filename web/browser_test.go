package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/annals/annals/archive"
)

var screenshotDir = flag.String("screenshots", "", "save the browser tests' screenshots in `dir` (default: a temporary directory)")

// chromiumPath finds a Chromium or Chrome binary, or "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// egress is an HTTP proxy that records every request the browser sends
// beyond loopback (Chromium sends loopback requests directly and all
// others through its proxy) and answers none of them: the tests assert
// it saw nothing.
type egress struct {
	mu   sync.Mutex
	seen []string
	ln   net.Listener
}

func startEgress(t *testing.T) *egress {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &egress{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				e.mu.Lock()
				e.seen = append(e.seen, strings.TrimSpace(line))
				e.mu.Unlock()
				fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return e
}

func (e *egress) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.seen)
}

// browserService reports whether a request line seen by the egress proxy
// is one of Chromium's own background requests to Google's services.
func browserService(line string) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	host := f[1]
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	for _, d := range []string{".google.com", ".googleapis.com", ".gstatic.com", ".gvt1.com"} {
		if strings.HasSuffix("."+host, d) {
			return true
		}
	}
	return false
}

// browserTest is a headless Chromium on a loopback test server.
type browserTest struct {
	t        *testing.T
	ctx      context.Context
	ts       *testServer
	shots    string
	egress   *egress
	mu       sync.Mutex
	requests []string          // every URL the page's network stack asked for
	paths    []string          // every path the test server was asked for
	contexts map[string]string // unique id → origin of every live JavaScript world
	downDone chan string       // GUIDs of completed downloads
}

func newBrowserTest(t *testing.T, token string) *browserTest {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (install Debian's chromium package; CI does): skipping the browser tests")
	}
	bt := &browserTest{t: t, egress: startEgress(t), contexts: map[string]string{}, downDone: make(chan string, 4)}
	// Record what the server is asked for.
	bt.ts = newWrappedServer(t, token, func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			bt.mu.Lock()
			bt.paths = append(bt.paths, r.URL.RequestURI())
			bt.mu.Unlock()
			inner.ServeHTTP(w, r)
		})
	})
	bt.shots = *screenshotDir
	if bt.shots == "" {
		bt.shots = t.TempDir()
	} else if err := os.MkdirAll(bt.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("proxy-server", "http://"+bt.egress.ln.Addr().String()),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	bt.ctx = ctx
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			bt.mu.Lock()
			bt.requests = append(bt.requests, e.Request.URL)
			bt.mu.Unlock()
		case *runtime.EventExecutionContextCreated:
			bt.mu.Lock()
			bt.contexts[e.Context.UniqueID] = e.Context.Origin
			bt.mu.Unlock()
		case *runtime.EventExecutionContextDestroyed:
			bt.mu.Lock()
			delete(bt.contexts, e.ExecutionContextUniqueID)
			bt.mu.Unlock()
		case *runtime.EventExecutionContextsCleared:
			bt.mu.Lock()
			clear(bt.contexts)
			bt.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err = chromedp.ListenBrowser(ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			bt.downDone <- e.GUID
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable the network log: %v", err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the runtime: %v", err)
	}
	return bt
}

// stepTimeout bounds one step of a browser test.
const stepTimeout = 30 * time.Second

func (bt *browserTest) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	bt.t.Helper()
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(bt.ctx, stepTimeout)
		err := chromedp.Do(ctx, steps...)
		cancel()
		if err == nil {
			return
		}
		// chromedp's copy of the DOM can lag a navigation by a moment:
		// a node it names may be gone. Query again.
		if try < 3 && strings.Contains(err.Error(), "node with given id") {
			bt.t.Logf("%s: %v; trying again", what, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		bt.t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value.
func value[T any](bt *browserTest, what string, a chromedp.Action[T]) T {
	bt.t.Helper()
	ctx, cancel := context.WithTimeout(bt.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		bt.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// shot saves a screenshot of the whole page for review: the viewport
// is stretched to the page's height for the capture. (chromedp's
// FullScreenshot now and then never completes in headless Chromium.)
func (bt *browserTest) shot(name string) {
	bt.t.Helper()
	h := value(bt, "page height", chromedp.Evaluate[int64](`Math.min(6000, document.documentElement.scrollHeight)`))
	bt.run("stretch the viewport", chromedp.EmulateViewport(1280, max(h, 400)))
	if _, err := chromedp.Call(bt.ctx, cdppage.BringToFront, cdp.Empty{}); err != nil {
		bt.t.Fatalf("bring to front: %v", err)
	}
	var png []byte
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(bt.ctx, 5*time.Second)
		var err error
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err == nil {
			break
		}
		if try == 3 {
			bt.t.Fatalf("screenshot %s: %v", name, err)
		}
		// Headless Chromium now and then stops painting a page that is
		// not in front; bring it forward and try again.
		bt.t.Logf("screenshot %s: %v; trying again", name, err)
		if _, err := chromedp.Call(bt.ctx, cdppage.BringToFront, cdp.Empty{}); err != nil {
			bt.t.Logf("bring to front: %v", err)
		}
	}
	bt.run("restore the viewport", chromedp.ResetViewport())
	path := filepath.Join(bt.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		bt.t.Fatal(err)
	}
	bt.t.Logf("screenshot: %s", path)
}

func (bt *browserTest) text(sel string) string {
	bt.t.Helper()
	return value(bt, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// waitFrame waits until a frame whose URL ends in suffix has loaded,
// in the page's process or (a sandboxed frame is isolated) in its own.
func (bt *browserTest) waitFrame(suffix string) {
	bt.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var urls []string
		infos, err := chromedp.Targets(bt.ctx)
		if err != nil {
			bt.t.Fatal(err)
		}
		for _, info := range infos {
			urls = append(urls, string(info.Type)+" "+info.URL)
			if info.Type == "iframe" && strings.HasSuffix(info.URL, suffix) {
				return
			}
		}
		tree, err := chromedp.Call(bt.ctx, cdppage.GetFrameTree, cdp.Empty{})
		if err != nil {
			bt.t.Fatal(err)
		}
		for _, c := range tree.FrameTree.ChildFrames {
			urls = append(urls, "frame "+c.Frame.URL)
			if strings.HasSuffix(c.Frame.URL, suffix) {
				return
			}
		}
		if time.Now().After(deadline) {
			bt.t.Fatalf("no frame loaded %s: %q", suffix, urls)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// assertNothingRan checks, in every frame's JavaScript world that the
// browser created (the sandboxed archived frame included, when it has
// one), that no payload set window.__pwned, and that the page asked for
// nothing a payload would have.
func (bt *browserTest) assertNothingRan(where string) {
	bt.t.Helper()
	bt.mu.Lock()
	ids := make([]string, 0, len(bt.contexts))
	for id := range bt.contexts {
		ids = append(ids, id)
	}
	bt.mu.Unlock()
	checked := 0
	bt.t.Logf("%s: %d JavaScript worlds", where, len(ids))
	for _, id := range ids {
		res, err := chromedp.Call(bt.ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: "typeof window.__pwned", UniqueContextID: id, ReturnByValue: new(true)})
		if err != nil || res.ExceptionDetails != nil {
			continue // a world that went away
		}
		checked++
		var typ string
		if err := json.Unmarshal(res.Result.Value, &typ); err != nil || typ != "undefined" {
			bt.t.Errorf("%s: window.__pwned is %s in JavaScript world %s (%s)", where, res.Result.Value, id, bt.contexts[id])
		}
	}
	// Frames in processes of their own (the sandboxed archived page) are
	// targets of their own.
	infos, err := chromedp.Targets(bt.ctx)
	if err != nil {
		bt.t.Fatal(err)
	}
	for _, info := range infos {
		if info.Type != "iframe" {
			continue
		}
		fctx, cancel := chromedp.NewContext(bt.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
		tctx, cancelT := context.WithTimeout(fctx, stepTimeout)
		typ, err := chromedp.Run(tctx, chromedp.Evaluate[string]("typeof window.__pwned"))
		cancelT()
		cancel()
		if err != nil {
			bt.t.Errorf("%s: cannot check the frame %s: %v", where, info.URL, err)
			continue
		}
		checked++
		bt.t.Logf("%s: checked the isolated frame %s", where, info.URL)
		if typ != "undefined" {
			bt.t.Errorf("%s: window.__pwned is %s in the frame %s", where, typ, info.URL)
		}
	}
	if checked == 0 {
		bt.t.Errorf("%s: no JavaScript context could be checked", where)
	}
	for _, p := range bt.serverPaths() {
		if strings.Contains(p, "pwned") || strings.HasSuffix(p, "/x") {
			bt.t.Errorf("%s: a payload reached the server: %s", where, p)
		}
	}
}

func (bt *browserTest) serverPaths() []string {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return slices.Clone(bt.paths)
}

// assertLoopbackOnly checks that every request the page made went to
// the test server (or was a data: URL), and that the egress proxy saw
// nothing.
func (bt *browserTest) assertLoopbackOnly() {
	bt.t.Helper()
	bt.mu.Lock()
	reqs := slices.Clone(bt.requests)
	bt.mu.Unlock()
	for _, u := range reqs {
		if !strings.HasPrefix(u, bt.ts.http.URL+"/") && !strings.HasPrefix(u, "data:") {
			bt.t.Errorf("the page asked for %s, beyond the loopback server", u)
		}
	}
	for _, r := range bt.egress.requests() {
		if browserService(r) {
			// Chromium's own update, time and account checks, which some
			// builds send despite the flags; they never reach the network
			// (the proxy answers 502) and no page asked for them.
			bt.t.Logf("Chromium itself tried: %s", r)
			continue
		}
		bt.t.Errorf("a request left loopback: %s", r)
	}
	if len(reqs) == 0 {
		bt.t.Errorf("no requests were recorded: the network log is not working")
	}
}

// download clicks a link and returns the file the browser saved.
func (bt *browserTest) download(sel, dir string) []byte {
	bt.t.Helper()
	bt.run("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	select {
	case guid := <-bt.downDone:
		b, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			bt.t.Fatalf("read the download: %v", err)
		}
		return b
	case <-time.After(30 * time.Second):
		bt.t.Fatalf("%s: no download completed", sel)
	}
	return nil
}

func TestBrowser_ResearchFlow(t *testing.T) {
	const token = "browser-test-token-4417"
	bt := newBrowserTest(t, token)
	base := bt.ts.http.URL
	downloads := t.TempDir()
	_, err := chromedp.CallBrowser(bt.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)})
	if err != nil {
		t.Fatal(err)
	}

	// The server wants its token: log in through the form.
	bt.run("open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	bt.shot("01-login")
	bt.run("log in", chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("login-button")), chromedp.WaitVisible(chromedp.ID("search-form")))

	// Search.
	bt.run("search", chromedp.SetValue(chromedp.ID("q"), "人大"), chromedp.Click(chromedp.ID("search-button")),
		chromedp.WaitVisible(chromedp.CSS(".snippet mark")))
	if got := bt.text("#result-count"); !strings.HasPrefix(got, "2 results") {
		t.Errorf("result count %q", got)
	}
	if marks := value(bt, "count highlights", chromedp.Evaluate[int](`document.querySelectorAll(".snippet mark").length`)); marks < 2 {
		t.Errorf("%d highlighted matches", marks)
	}
	bt.shot("02-search")
	bt.assertNothingRan("search page")

	// A facet narrows the search.
	bt.run("facet", chromedp.Navigate(base+"/?q="+q("council OR 人大")), chromedp.WaitVisible(chromedp.ID("result-count")),
		chromedp.Click(chromedp.CSS(`.facet[href*="state=moved"]`)), chromedp.WaitVisible(chromedp.CSS(`.facet.active[href*="state=moved"]`)))
	if got := bt.text("#result-count"); !strings.HasPrefix(got, "1 result") {
		t.Errorf("moved: %q", got)
	}
	bt.run("back", chromedp.Navigate(base+"/?q="+q("人大")), chromedp.WaitVisible(chromedp.ID("result-count")))

	// Open the congress article.
	link := fmt.Sprintf(`a.hit-title[href^="/articles/%d?"]`, bt.ts.congress)
	bt.run("open article", chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.ID("timeline")))
	if got := bt.text("#title"); got != "通辽市第五次党代会隆重开幕" {
		t.Errorf("title %q", got)
	}
	if got := bt.text("#bylines"); !strings.Contains(got, "赵彦臻") || !strings.Contains(got, "photographer") {
		t.Errorf("bylines %q", got)
	}
	bt.shot("03-article")

	// Switch to version 1 through the timeline.
	bt.run("version 1", chromedp.Click(chromedp.CSS(`#timeline a[data-version="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline li.current a[data-version="1"]`)))
	if got := bt.text("#title"); got != "通辽市第五次党代会开幕" {
		t.Errorf("version 1 title %q", got)
	}
	if got := bt.text("#version-shown"); !strings.HasPrefix(got, "1 of 3") {
		t.Errorf("version shown %q", got)
	}
	bt.shot("04-version-1")

	// Compare version 1 with version 3 side by side, then inline.
	bt.run("diff side by side", chromedp.SetValue(chromedp.ID("diff-from"), "1"), chromedp.SetValue(chromedp.ID("diff-to"), "3"),
		chromedp.SetValue(chromedp.ID("diff-view"), "side"), chromedp.Click(chromedp.ID("diff-button")),
		// The form loads a new page: wait for that page, not for a table
		// the page before may have shown.
		chromedp.Poll[chromedp.Void](`(() => { const u = new URLSearchParams(location.search);
			return u.get("from") === "1" && u.get("to") === "3" && u.get("view") === "side" &&
				document.readyState === "complete" && document.querySelector("table.side") !== null; })()`),
		chromedp.WaitVisible(chromedp.CSS("table.side")))
	ins := value(bt, "read insertions", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#diff ins")].map(e => e.textContent)`))
	for _, want := range []string{"隆重", "上午", "在通辽", "大会期间，代表们将分组讨论报告。"} {
		if !slices.Contains(ins, want) {
			t.Errorf("the side-by-side diff lacks the insertion %q: %q", want, ins)
		}
	}
	bt.shot("05-diff-side-by-side")
	bt.run("diff inline", chromedp.Click(chromedp.ID("diff-inline")), chromedp.WaitVisible(chromedp.CSS("div.inline")))
	if n := value(bt, "count edits", chromedp.Evaluate[int](`document.querySelectorAll("#diff-body p.rewrite ins, #diff-body p.insert ins").length`)); n != 3 {
		t.Errorf("the inline diff shows %d insertions, want 3 (上午, 在通辽, the added paragraph)", n)
	}
	bt.shot("06-diff-inline")

	// Export the search as CSV and JSON.
	bt.run("search again", chromedp.Navigate(base+"/?q="+q("人大")), chromedp.WaitVisible(chromedp.ID("export-csv")))
	body, ok := strings.CutPrefix(string(bt.download("#export-csv", downloads)), "\ufeff")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if !ok || err != nil || len(rows) != 3 || !slices.Equal(rows[0], archive.ExportFields) {
		t.Errorf("CSV download: BOM %v, %v, %d rows", ok, err, len(rows))
	}
	var recs []map[string]any
	if err := json.Unmarshal(bt.download("#export-json", downloads), &recs); err != nil || len(recs) != 2 {
		t.Errorf("JSON download: %v, %d records", err, len(recs))
	}
	bt.assertNothingRan("after the exports")
	bt.assertLoopbackOnly()
}

// TestBrowser_HostilePage views an archived page whose title, body and
// raw HTML carry script and onerror payloads, as extracted and as
// captured, and checks in the browser that nothing ran and nothing left
// loopback.
func TestBrowser_HostilePage(t *testing.T) {
	bt := newBrowserTest(t, "")
	base := bt.ts.http.URL

	bt.run("search", chromedp.Navigate(base+"/?q="+q("正文第一段")), chromedp.WaitVisible(chromedp.ID("result-count")))
	if got := bt.text(".hit-title"); !strings.Contains(got, "<script>window.__pwned=1") {
		t.Errorf("the hostile title is not shown as text: %q", got)
	}
	bt.shot("07-hostile-search")
	bt.assertNothingRan("search page")

	// As extracted.
	bt.run("article", chromedp.Navigate(fmt.Sprintf("%s/articles/%d?from=1&to=2&view=side", base, bt.ts.xss)), chromedp.WaitVisible(chromedp.ID("diff")))
	if got := bt.text("#title"); !strings.Contains(got, `<img src=x onerror="window.__pwned=1;fetch('/pwned-img')">`) {
		t.Errorf("the hostile title as extracted: %q", got)
	}
	bt.shot("08-hostile-extracted")
	bt.assertNothingRan("article page")

	// As captured: the sanitised page in its sandboxed frame.
	bt.run("captured", chromedp.Click(chromedp.ID("view-captured")), chromedp.WaitVisible(chromedp.ID("archived-frame")))
	href := value(bt, "frame source", chromedp.AttributeValue(chromedp.ID("archived-frame"), "src"))
	want := fmt.Sprintf("/captures/%d/archived", bt.ts.xssCap+1) // the capture of version 2, shown by default
	if href.Value != want {
		t.Fatalf("the frame shows %q, want %q", href.Value, want)
	}
	bt.waitFrame(want)
	bt.run("let any payload run", chromedp.Sleep(500*time.Millisecond))
	bt.shot("09-hostile-captured")
	bt.assertNothingRan("capture page")

	// The archived page opened on its own, outside the frame.
	bt.run("archived alone", chromedp.Navigate(base+want), chromedp.WaitReady(chromedp.CSS("body")), chromedp.Sleep(300*time.Millisecond))
	bt.shot("10-hostile-archived-alone")
	bt.assertNothingRan("archived page alone")

	if !slices.ContainsFunc(bt.serverPaths(), func(p string) bool { return strings.HasSuffix(p, want) }) {
		t.Errorf("the archived page was never requested: %q", bt.serverPaths())
	}
	bt.assertLoopbackOnly()
}
