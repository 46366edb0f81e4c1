package app

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/log"
)

// newTemporalLogger quiets the SDK: its info lines (every poll start, every
// worker start) drown the application's own log.
func newTemporalLogger(l *slog.Logger) log.Logger {
	if l == nil {
		l = slog.Default()
	}
	return log.NewStructuredLogger(slog.New(levelFilter{l.Handler(), slog.LevelWarn}))
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(as), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}
