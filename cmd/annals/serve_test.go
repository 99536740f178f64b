package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/web"
)

// startServe runs annals serve on a free loopback port until the test
// ends, and returns its base URL and its log.
func startServe(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	ready := make(chan string, 1)
	cmd := &ServeCommand{Stdout: io.Discard, Stderr: stderr, Getenv: getenv, Ready: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- cmd.Run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...)) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return "http://" + addr, stderr
}

func get(t *testing.T, url string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeCommand(t *testing.T) {
	ra := buildResearchArchive(t)
	base, logs := startServe(t, func(string) string { return "" }, "--db", ra.path)
	code, body := get(t, base+"/api/search?q="+"%E4%BA%BA%E5%A4%A7", nil)
	var res web.SearchResponse
	if code != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil || res.Total != 1 || res.Hits[0].ID != ra.congress {
		t.Fatalf("search: %d %s", code, body)
	}
	if code, body := get(t, base+"/articles/1", nil); code != http.StatusOK || !strings.Contains(body, "通辽市第五次党代会隆重开幕") {
		t.Errorf("article page: %d", code)
	}
	if !strings.Contains(logs.String(), "read-only at "+base+"/") || !strings.Contains(logs.String(), "path=/api/search") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestServeCommand_Token(t *testing.T) {
	ra := buildResearchArchive(t)
	const token = "env-token-0123456789"
	base, logs := startServe(t, func(k string) string {
		if k == tokenEnv {
			return token
		}
		return ""
	}, "--db", ra.path, "--log-format", "json")
	if code, _ := get(t, base+"/api/articles/1", nil); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
	if code, _ := get(t, base+"/api/articles/1", http.Header{"Authorization": {"Bearer " + token}}); code != http.StatusOK {
		t.Errorf("with the token: %d", code)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the token is in the log:\n%s", logs.String())
	}
}

func TestServeCommand_Refuses(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		env  string
		code int
		msg  string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "", exitUsage, "give a token"},
		{[]string{"--addr", ":8080"}, "", exitUsage, "give a token"},
		{[]string{"--addr", "192.0.2.1:8080"}, "", exitUsage, "give a token"},
		{[]string{"--addr", "127.0.0.1:0", "--token", "short"}, "", exitUsage, "too short"},
		{[]string{"--addr", "127.0.0.1"}, "", exitUsage, "host:port"},
		{[]string{"--addr", "127.0.0.1:0", "extra"}, "", exitUsage, "no arguments"},
		{[]string{"--addr", "127.0.0.1:0", "--log-level", "loud"}, "", exitUsage, "--log-level"},
	} {
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return tc.env }}
		code := m.exitCode(m.Run(context.Background(), append([]string{"serve", "--db", ra.path}, tc.args...)))
		if code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
	_, errOut, code := runMain(t, "serve", "--db", ra.path+".none", "--addr", "127.0.0.1:0")
	if code != exitFailure || !strings.Contains(errOut, "no archive at") {
		t.Errorf("missing archive: exit %d, %q", code, errOut)
	}
}
