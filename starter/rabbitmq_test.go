package starter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/workflows"
)

// realStarter is the starter on the real mq.Publisher, on a fresh topology
// that is deleted afterwards, and a channel for looking into its queues.
func realStarter(tb testing.TB) (http.Handler, mq.Topology, *amqp.Channel) {
	tb.Helper()
	pub, topo, ch := testPublisher(tb, "starter test", 0)
	h := New(testConfig(), Deps{
		Publisher: pub,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return h, topo, ch
}

// testPublisher is a real mq.Publisher on a fresh topology (a random prefix;
// work queues capped at maxLength messages, 0 for no cap) that is deleted
// afterwards, and a channel for looking into its queues.
func testPublisher(tb testing.TB, name string, maxLength int) (*mq.Publisher, mq.Topology, *amqp.Channel) {
	tb.Helper()
	url := os.Getenv("AMOFLOW_TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	testrig.NeedsServers(tb, "RabbitMQ")
	conn, err := amqp.Dial(url)
	if err != nil {
		tb.Fatalf("no RabbitMQ at %s (run make services): %v", url, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		tb.Fatal(err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	b := mq.Broker{
		URL:      url,
		Topology: mq.Topology{Prefix: "amoflowtest." + hex.EncodeToString(suffix), DeliveryLimit: 20, MaxLength: maxLength},
		Name:     name,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, err := b.NewPublisher(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = pub.Close()
		for _, q := range append(b.Topology.Queues(), b.Topology.DeadQueue()) {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(b.Topology.DeadExchange(), false, false)
		conn.Close()
	})
	return pub, b.Topology, ch
}

func TestFormStoredInRabbitMQ(t *testing.T) {
	h, topo, ch := realStarter(t)
	queue := topo.Queue(mq.KindForm)
	post := func(body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	if w := post("name=no+contact"); w.Code != http.StatusBadRequest {
		t.Fatalf("invalid form: %d", w.Code)
	}
	w := post("phone=89161234567&amo=corp&comment=hi")
	if w.Code != http.StatusAccepted {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var a accepted
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}

	// Confirmed means it is there already: no waiting.
	d, ok, err := ch.Get(queue, true)
	if err != nil || !ok {
		t.Fatalf("nothing in %s after a 202 (err %v)", queue, err)
	}
	if d.MessageId != a.JobID || d.ContentType != "application/json" || d.DeliveryMode != amqp.Persistent ||
		d.Headers[mq.HeaderKind] != mq.KindForm || d.Headers[mq.HeaderAccount] != "corp" {
		t.Errorf("message id %q, content type %q, mode %d, headers %v", d.MessageId, d.ContentType, d.DeliveryMode, d.Headers)
	}
	var in workflows.FormInput
	if err := json.Unmarshal(d.Body, &in); err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(d.Headers[mq.HeaderReceivedAt]))
	if err != nil || !at.Equal(in.ReceivedAt) {
		t.Errorf("received_at header %v, body %v", d.Headers[mq.HeaderReceivedAt], in.ReceivedAt)
	}
	if in.JobID != a.JobID || in.Account != "corp" || in.Fields["phone"] != "89161234567" || in.Fields["comment"] != "hi" {
		t.Errorf("body %s", d.Body)
	}
	// The 400 stored nothing.
	if _, ok, _ := ch.Get(queue, true); ok {
		t.Error("a rejected form was queued")
	}
}

// BenchmarkFormsHandler is the ingest path in process: decode, validate, id,
// confirmed publish to a quorum queue, answer. Run it with -cpu and compare
// with mq's BenchmarkPublish (the broker alone).
func BenchmarkFormsHandler(b *testing.B) {
	h, _, _ := realStarter(b)
	const form = "name=Иван&phone=8+(916)+123-45-67&email=ivan@mail.ru&comment=Перезвоните" +
		"&form_name_site=Заявка+с+формы+mzpo-s.ru&site=www.mzpo-s.ru&page_url=https://mzpo-s.ru/courses/x"
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusAccepted {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
		}
	})
}
