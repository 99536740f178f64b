package portal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a handler served on a loopback address.
type Server struct {
	srv  *http.Server
	url  string
	done chan struct{} // closed when Serve returns

	closeOnce sync.Once
	closeErr  error
}

// Start serves h on addr, which must be a loopback address ("127.0.0.1:0",
// "[::1]:8080", "localhost:0"); an empty host means 127.0.0.1 and port 0 a
// free port. The server stops when ctx is done or Close is called.
func Start(ctx context.Context, addr string, h http.Handler) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("start portal server: address %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("start portal server: %s is not a loopback address: use 127.0.0.1", host)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("start portal server: %w", err)
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
		},
		url:  "http://" + ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234", without a
// trailing slash.
func (s *Server) URL() string { return s.url }

// Close stops the server: requests in flight get a second to finish, then
// their connections are closed. It waits until the server has stopped.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = s.srv.Close()
			}
			s.closeErr = err
		}
		<-s.done
	})
	return s.closeErr
}
