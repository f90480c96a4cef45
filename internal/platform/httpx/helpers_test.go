package httpx_test

import (
	"io"
	"log/slog"
)

type errFake string

func (e errFake) Error() string { return string(e) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
