//go:build !linux

package e2e

import "errors"

// limitFileSize needs Linux's prlimit.
func limitFileSize(pid int, n uint64) error {
	return errors.New("setting another process's file size limit needs Linux")
}
