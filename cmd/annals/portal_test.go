package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPortalCommand(t *testing.T) {
	var stdout, stderr syncBuffer
	c := &PortalCommand{Stdout: &stdout, Stderr: &stderr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, []string{"--addr", "127.0.0.1:0", "--edition", "2"}) }()
	urlRE := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)
	waitFor(t, 5*time.Second, "the portal's address", func() bool { return urlRE.MatchString(stdout.String()) })
	base := urlRE.FindStringSubmatch(stdout.String())[1]
	if !strings.Contains(stdout.String(), "edition 2") || !strings.Contains(stdout.String(), "annals crawl --db try.db") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	// Edition 2: the deleted article answers 404, the new one 200.
	for path, want := range map[string]int{
		"/robots.txt": 200, "/news/local/2021-09/29/content_1012.html": 404, "/news/local/2021-10/12/content_1013.html": 200,
	} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("portal did not stop")
	}
	if !strings.Contains(stdout.String(), "stopped after 3 requests") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	for _, args := range [][]string{{"portal", "--edition", "3"}, {"portal", "--addr", "10.1.2.3:80"}, {"portal", "extra"}} {
		_, errOut, code := pipeRun(t, context.Background(), args...)
		if code == 0 {
			t.Errorf("%v: accepted", args)
		}
		if errOut == "" {
			t.Errorf("%v: no message", args)
		}
	}
}
