package e2e

import "golang.org/x/sys/unix"

// limitFileSize sets the file size limit (RLIMIT_FSIZE) of process pid to
// n bytes: its writes beyond n fail with EFBIG (Go ignores SIGXFSZ), as
// they would on a full disk.
func limitFileSize(pid int, n uint64) error {
	lim := unix.Rlimit{Cur: n, Max: n}
	return unix.Prlimit(pid, unix.RLIMIT_FSIZE, &lim, nil)
}
