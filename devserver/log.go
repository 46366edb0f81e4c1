package devserver

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts a *slog.Logger to the server's log.Logger.
// Messages below level are dropped before their tags are converted,
// which matters: the server logs a great deal at info and debug level.
type slogLogger struct {
	log   *slog.Logger
	level slog.Leveler
	// stopped silences the logger once the server stops: its services
	// then log canceled polls and refused connections as warnings and
	// errors, which say nothing to a user of the dev server.
	stopped *atomic.Bool
}

var (
	_ log.Logger     = slogLogger{}
	_ log.WithLogger = slogLogger{}
)

func (l slogLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l slogLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelInfo, msg, tags) }
func (l slogLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l slogLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

// DPanic, Panic and Fatal are logged as errors: an embedded server must not
// panic or exit the host process on its behalf.
func (l slogLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }
func (l slogLogger) Panic(msg string, tags ...tag.Tag)  { l.emit(slog.LevelError, msg, tags) }
func (l slogLogger) Fatal(msg string, tags ...tag.Tag)  { l.emit(slog.LevelError, msg, tags) }

func (l slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{log: l.log.With(attrs(tags)...), level: l.level, stopped: l.stopped}
}

func (l slogLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < l.level.Level() || l.stopped.Load() || !l.log.Enabled(ctx, level) {
		return
	}
	// The dev server leaves the frontend's HTTP API off on purpose.
	if strings.HasPrefix(msg, "HTTP API port has not been set") {
		return
	}
	l.log.Log(ctx, level, msg, attrs(tags)...)
}

func attrs(tags []tag.Tag) []any {
	a := make([]any, len(tags))
	for i, t := range tags {
		a[i] = slog.Any(t.Key(), t.Value())
	}
	return a
}
