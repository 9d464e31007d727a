// Command ferretdb serves MongoDB's wire protocol from the local stack's PostgreSQL through FerretDB, embedded as a
// library: the Go module proxy serves FerretDB's source, not its release binaries, and its own command pulls in
// more than the stack needs. The stack supervisor (ops/stack/services/ferretdb.ts) builds and starts it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27018", "host:port to accept MongoDB clients on")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL connection string of the database FerretDB keeps its data in")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: --log-level: %s\n", err)
		os.Exit(2)
	}
	if *postgresURL == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: --postgresql-url is required")
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		logger.Error("ferretdb: cannot start", "error", err)
		os.Exit(1)
	}

	// SIGTERM or SIGINT ends Run, which closes the listener and every client connection, then the PostgreSQL pool.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	fmt.Fprintf(os.Stderr, "ferretdb: listening on %s\n", *listen)
	if err := server.Run(ctx); err != nil {
		logger.Error("ferretdb: stopped with an error", "error", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
}
