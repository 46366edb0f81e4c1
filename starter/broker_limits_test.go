package starter

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/admin"
	"amoflow/mq"
)

// limitedStarter is the starter on a real mq.Publisher whose work queues
// hold at most maxLength messages.
func limitedStarter(t *testing.T, maxLength int) (http.Handler, mq.Topology, *amqp.Channel) {
	t.Helper()
	pub, topo, ch := testPublisher(t, "starter limits test", maxLength)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// /readyz is the admin listener's (a fresh one per probe: no cached answer).
	h := http.NewServeMux()
	h.Handle("/", New(testConfig(), Deps{Publisher: pub, Logger: quiet}))
	h.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		admin.New([]admin.Check{{Name: "rabbitmq", Func: pub.Ping}}, quiet).ServeHTTP(w, r)
	})
	return h, topo, ch
}

func serveForm(h http.Handler, n int) int {
	r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader(fmt.Sprintf("phone=8916%07d", n)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func serveReady(h http.Handler) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return w.Code
}

// A full work queue: the broker refuses the message and the form gets 503
// (nothing stored), other kinds are not affected.
func TestFullQueueAnswers503(t *testing.T) {
	h, topo, ch := limitedStarter(t, 3)
	code, n := 0, 0
	for ; n < 10; n++ {
		if code = serveForm(h, n); code != http.StatusAccepted {
			break
		}
	}
	// A quorum queue applies its limit once reached: it may take one more.
	if code != http.StatusServiceUnavailable || n < 3 || n > 4 {
		t.Fatalf("after %d forms accepted: %d, want 503 after 3 or 4", n, code)
	}
	q, err := ch.QueueDeclarePassive(topo.Queue(mq.KindForm), true, false, false, false, nil)
	if err != nil || q.Messages != n {
		t.Errorf("queue holds %d messages (%v), want the %d accepted", q.Messages, err, n)
	}
	if serveReady(h) != http.StatusOK {
		t.Error("a full queue made the starter unready")
	}
}

// A work queue deleted: forms get 503, /readyz says so, and both recover
// once the publisher has declared the queue again.
func TestDeletedQueueAnswers503ThenRecovers(t *testing.T) {
	h, topo, ch := limitedStarter(t, 100)
	if code := serveForm(h, 1); code != http.StatusAccepted {
		t.Fatalf("form: %d", code)
	}
	if _, err := ch.QueueDelete(topo.Queue(mq.KindForm), false, false, false); err != nil {
		t.Fatal(err)
	}
	if code := serveReady(h); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a queue missing: %d", code)
	}
	if code := serveForm(h, 2); code != http.StatusServiceUnavailable {
		t.Fatalf("form to a deleted queue: %d, want 503", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for serveForm(h, 3) != http.StatusAccepted {
		if time.Now().After(deadline) {
			t.Fatal("forms were still refused 10 s after the queue was deleted")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := serveReady(h); code != http.StatusOK {
		t.Errorf("/readyz after recovery: %d", code)
	}
}
