package activities

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"amoflow/onec"
	"amoflow/store"
)

// OneC holds the activities that call 1C, keep the 1C flows' state in
// Postgres (echo marks, GUID ↔ amoCRM links) and call back whoever asked
// for a change. They run on the main task queue: 1C has no request budget
// to share, and a 1C call is retried on its own.
type OneC struct {
	Client  *onec.Client
	DB      *store.DB
	EchoTTL time.Duration
	// HTTP calls callbacks (default: a client with a 30 s timeout).
	HTTP *http.Client
}

// classify1C turns a 1C error into what Temporal should do with it:
// transport errors and 5xx are retried, the rest fails at once with the
// error's kind as the type (OneCRejected, OneCMalformed, OneCMissingID).
func classify1C(err error) error {
	var e *onec.Error
	switch {
	case err == nil:
		return nil
	case onec.IsRetryable(err), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &e):
		typ := map[onec.Kind]string{onec.KindRejected: ErrOneCRejected, onec.KindMalformed: ErrOneCMalformed,
			onec.KindMissingID: ErrOneCMissingID}[e.Kind]
		if errors.Is(err, onec.ErrNotFound) {
			typ = ErrOneCNotFound
		}
		if typ == "" {
			typ = ErrOneCPermanent
		}
		return temporal.NewNonRetryableApplicationError(err.Error(), typ, nil)
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), ErrOneCPermanent, nil)
}

func (o *OneC) client() (*onec.Client, error) {
	if o.Client == nil {
		return nil, temporal.NewNonRetryableApplicationError("1C is not configured (onec.base_url)", ErrOneCNotConfigured, nil)
	}
	return o.Client, nil
}

// OneCEditStudent creates or updates a client in 1C and returns its GUID.
func (o *OneC) OneCEditStudent(ctx context.Context, in onec.Student) (onec.GUID, error) {
	c, err := o.client()
	if err != nil {
		return "", err
	}
	id, err := c.EditStudent(ctx, in)
	return id, classify1C(err)
}

// OneCEditPartner creates or updates a partner in 1C and returns its GUID.
func (o *OneC) OneCEditPartner(ctx context.Context, in onec.Partner) (onec.GUID, error) {
	c, err := o.client()
	if err != nil {
		return "", err
	}
	id, err := c.EditPartner(ctx, in)
	return id, classify1C(err)
}

// OneCEditApplication creates or updates an application in 1C and returns its GUID.
func (o *OneC) OneCEditApplication(ctx context.Context, in onec.Application) (onec.GUID, error) {
	c, err := o.client()
	if err != nil {
		return "", err
	}
	id, err := c.EditApplication(ctx, in)
	return id, classify1C(err)
}

// OneCGetStudent reads a client from 1C.
func (o *OneC) OneCGetStudent(ctx context.Context, uid onec.GUID) (*onec.Student, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetStudent(ctx, uid)
	return v, classify1C(err)
}

// OneCGetPartner reads a partner from 1C.
func (o *OneC) OneCGetPartner(ctx context.Context, uid onec.GUID) (*onec.Partner, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetPartner(ctx, uid)
	return v, classify1C(err)
}

// OneCGetCourse reads a course from 1C.
func (o *OneC) OneCGetCourse(ctx context.Context, uid onec.GUID) (*onec.Course, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetCourse(ctx, uid)
	return v, classify1C(err)
}

// ChangeResponsibleCall is one lk_editdata changeotv request.
type ChangeResponsibleCall struct {
	ContractUID string `json:"contract_uid"`
	Resp        string `json:"resp"`
}

// OneCChangeResponsible changes a contract's responsible person in 1C.
// Setting the same person twice is harmless, so a retry needs no check.
func (o *OneC) OneCChangeResponsible(ctx context.Context, in ChangeResponsibleCall) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	return classify1C(c.ChangeResponsible(ctx, in.ContractUID, in.Resp))
}

// NotifyCallback GETs a callback URL (Sensei's webhook). 5xx and transport
// errors are retried; another status fails.
func (o *OneC) NotifyCallback(ctx context.Context, url string) error {
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad callback URL", ErrBadCallback, nil)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return errors.New("callback: no answer") // the URL carries a hash: keep it out of errors
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return fmt.Errorf("callback: %d", resp.StatusCode)
	case resp.StatusCode >= 300:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback: %d", resp.StatusCode), ErrCallbackRejected, nil)
	}
	return nil
}

// EchoInput names entities written on 1C's behalf, or one to check.
type EchoInput struct {
	Account string  `json:"account"`
	Entity  string  `json:"entity"`
	IDs     []int64 `json:"ids"`
}

// MarkEcho records entities just written on 1C's behalf (see store.MarkEcho).
func (o *OneC) MarkEcho(ctx context.Context, in EchoInput) error {
	if o.DB == nil {
		return nil
	}
	ttl := o.EchoTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	return o.DB.MarkEcho(ctx, in.Account, in.Entity, in.IDs, ttl)
}

// IsEcho reports whether the first entity of in was written on 1C's behalf
// within the echo TTL: an amoCRM → 1C sync of it would bounce 1C's own write.
func (o *OneC) IsEcho(ctx context.Context, in EchoInput) (bool, error) {
	if o.DB == nil || len(in.IDs) == 0 {
		return false, nil
	}
	return o.DB.IsEcho(ctx, in.Account, in.Entity, in.IDs[0])
}

// OneCLink ties a 1C object to the amoCRM entity holding it.
type OneCLink struct {
	Account string    `json:"account"`
	Entity  string    `json:"entity"`
	GUID    onec.GUID `json:"guid"`
	ID      int64     `json:"id,omitempty"`
}

// RememberOneC records a link (see store.LinkOneC).
func (o *OneC) RememberOneC(ctx context.Context, in OneCLink) error {
	if o.DB == nil || in.GUID == "" || in.ID == 0 {
		return nil
	}
	return o.DB.LinkOneC(ctx, in.Account, in.Entity, string(in.GUID), in.ID)
}

// RecallOneC returns the amoCRM entity last linked to a 1C object, 0 if none.
func (o *OneC) RecallOneC(ctx context.Context, in OneCLink) (int64, error) {
	if o.DB == nil || in.GUID == "" {
		return 0, nil
	}
	id, _, err := o.DB.OneCEntity(ctx, in.Account, in.Entity, string(in.GUID))
	return id, err
}

// ForgetOneC drops a link whose entity is gone.
func (o *OneC) ForgetOneC(ctx context.Context, in OneCLink) error {
	if o.DB == nil {
		return nil
	}
	return o.DB.UnlinkOneC(ctx, in.Account, in.Entity, string(in.GUID), in.ID)
}
