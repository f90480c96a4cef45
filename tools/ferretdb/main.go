// Command ferretdb runs FerretDB v1 in-process (its embeddable package) with the SQLite
// backend: the MongoDB-protocol server of the local stack. Debian has no MongoDB, and
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.0` fails because the proxy
// refuses the module's version list; a small main around the embeddable package builds
// from the module proxy alone and needs no build/version/version.txt.
//
// The embeddable package starts no debug HTTP listener (the standalone binary's :8088), so
// nothing listens in the kernel's ephemeral range and nothing binds beyond -listen.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address of the MongoDB wire protocol listener (keep it on loopback)")
	stateDir := flag.String("state-dir", "", "directory of the SQLite databases (one file per MongoDB database); required")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *stateDir, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, stateDir, logLevel string) error {
	if stateDir == "" {
		return fmt.Errorf("-state-dir is required")
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen %q: only loopback addresses are allowed for the local stack", listen)
	}
	dir, err := filepath.Abs(stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   log,
		Handler:  "sqlite",
		// The SQLite handler wants a file: URI of a directory, with the trailing slash.
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Warn("ferretdb serving", "listen", listen, "state_dir", dir)
	return f.Run(ctx)
}
