package starter

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"amoflow/mq"
)

// discardPublisher stores nothing: the handler's own work, without the broker.
type discardPublisher struct{}

func (discardPublisher) Publish(context.Context, mq.Message) error { return nil }

// benchForm is the ingest bench's body shape (bench/ingest): ~475 bytes.
const benchForm = "name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&phone=%2B7+916+123-45-67" +
	"&email=ivan.petrov%40mail.ru&comment=%D0%9F%D0%B5%D1%80%D0%B5%D0%B7%D0%B2%D0%BE%D0%BD%D0%B8%D1%82%D0%B5+%D0%BF%D0%BE%D0%B6%D0%B0%D0%BB%D1%83%D0%B9%D1%81%D1%82%D0%B0" +
	"&form_name_site=%D0%97%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0&site=www.mzpo-s.ru&page_url=https%3A%2F%2Fmzpo-s.ru%2Fcourses%2Fmassage" +
	"&roistat_visit=1234567&utm_source=yandex&utm_medium=cpc&utm_campaign=massage&utm_content=ad1&utm_term=massage+courses"

// postBenchForm posts benchForm to /v1/forms.
func postBenchForm(h http.Handler) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader(benchForm))
	r.Header.Set("Content-Type", typeURLEncoded)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// BenchmarkFormHandlerCPU is POST /v1/forms in process with a publisher that
// stores nothing and the production text log at info level (written to
// io.Discard): the CPU the starter itself spends per accepted form. Profile
// it with -cpuprofile; BENCHMARKS.md (ingest, finding 2) has the figures.
func BenchmarkFormHandlerCPU(b *testing.B) {
	h := New(testConfig(), Deps{
		Publisher: discardPublisher{},
		Metrics:   prometheus.NewRegistry(),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if w := postBenchForm(h); w.Code != http.StatusAccepted {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkFormClosedLoop is BenchmarkFormHandlerCPU on a real mq.Publisher:
// 16 senders that each wait for their 202 (confirmed by RabbitMQ) before
// sending again, the closed loop of bench/ingest without HTTP and its load
// generator. ns/op is mostly the broker's confirm round trip; measure the
// process's CPU per request as BENCHMARKS.md describes.
func BenchmarkFormClosedLoop(b *testing.B) {
	pub, _, _ := testPublisher(b, "starter closed-loop bench", 0)
	h := New(testConfig(), Deps{
		Publisher: pub,
		Metrics:   prometheus.NewRegistry(),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	b.SetParallelism(8) // × GOMAXPROCS 2
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w := postBenchForm(h); w.Code != http.StatusAccepted {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
		}
	})
}

// The accepted-form line is skipped without building its arguments below
// debug, and still written at debug.
func TestFormStoredLoggedAtDebugOnly(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf strings.Builder
		h := New(testConfig(), Deps{
			Publisher: discardPublisher{},
			Metrics:   prometheus.NewRegistry(),
			Logger:    slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})),
		})
		if w := postBenchForm(h); w.Code != http.StatusAccepted {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		logged := strings.Contains(buf.String(), "form stored") && strings.Contains(buf.String(), "job_id=form-retail-")
		if logged != (level == slog.LevelDebug) {
			t.Errorf("level %v: logged %v:\n%s", level, logged, buf.String())
		}
	}
}
