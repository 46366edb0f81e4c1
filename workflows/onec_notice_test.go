package workflows

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
)

// TestOneCNoticeKeepsTheBodyOnce: the notice reaches the store under the
// job's id with the kind and body as posted; a failed attempt is retried,
// and the result names the size, never the body.
func TestOneCNoticeKeepsTheBodyOnce(t *testing.T) {
	env := widgetTestEnv(t)
	body := []byte(`{"fio":"Иванова Мария","sum":15000}`)
	match := mock.MatchedBy(func(r activities.OneCNoticeRecord) bool {
		return r.JobID != "" && r.Kind == "paymentreceived" && string(r.Body) == string(body) &&
			r.ContentType == "application/json" && !r.ReceivedAt.IsZero()
	})
	env.OnActivity(pg.RecordOneCNotice, mock.Anything, match).Return(false, errors.New("postgres: connection reset")).Once()
	env.OnActivity(pg.RecordOneCNotice, mock.Anything, match).Return(true, nil).Once()
	env.ExecuteWorkflow(OneCNoticeName, OneCNoticeInput{Kind: "paymentreceived", ContentType: "application/json", Body: body})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res OneCNoticeResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res != (OneCNoticeResult{Kind: "paymentreceived", Bytes: len(body), Stored: true}) {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t)
}
