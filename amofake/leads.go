package amofake

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
)

// Status ids that close a lead, in every pipeline.
const (
	StatusWon  int64 = 142
	StatusLost int64 = 143
)

func leadRoutes(s *Server) {
	entityRoutes(s, func(a *account) map[int64]*Lead { return a.leads }, func() *Lead { return &Lead{} }, leadFilter)
	s.route("POST /api/v4/leads/complex", complexLeads)
	s.route("POST /api/v4/leads/unsorted/forms", unsortedForms)
	s.route("POST /api/v4/leads/unsorted/{uid}/accept", unsortedAccept)
}

func (*Lead) entityType() string { return "leads" }

func (l *Lead) readOwn(a *account, rd reader) []Link {
	l.readScalars(rd)
	return append(a.readLinks(rd, "leads", "contacts"), a.readLinks(rd, "leads", "companies")...)
}

func (l *Lead) readScalars(rd reader) {
	rd.int("price", &l.Price)
	rd.int("status_id", &l.StatusID)
	rd.int("pipeline_id", &l.PipelineID)
	rd.int("loss_reason_id", &l.LossReasonID)
	rd.int("closed_at", &l.ClosedAt)
}

func closed(status int64) bool { return status == StatusWon || status == StatusLost }

func (l *Lead) settle(a *account, old *Lead, now int64) {
	if l.PipelineID == 0 {
		l.PipelineID = a.cfg.DefaultPipelineID
	}
	if l.StatusID == 0 {
		l.StatusID = a.cfg.DefaultStatusID
	}
	switch {
	case closed(l.StatusID) && l.ClosedAt == 0:
		l.ClosedAt = now
	case !closed(l.StatusID) && old != nil && closed(old.StatusID):
		l.ClosedAt = 0 // reopened
	}
	switch {
	case old == nil:
		a.event(now, "lead_added", "lead", l.ID, nil, leadStatus(l))
	case old.StatusID != l.StatusID || old.PipelineID != l.PipelineID:
		a.event(now, "lead_status_changed", "lead", l.ID, leadStatus(old), leadStatus(l))
	}
}

func (l *Lead) renderOwn(a *account, q *request, m, emb map[string]any, with map[string]bool) {
	m["price"], m["status_id"], m["pipeline_id"] = l.Price, l.StatusID, l.PipelineID
	m["loss_reason_id"], m["closed_at"] = nullable(l.LossReasonID), nullable(l.ClosedAt)
	m["closest_task_at"], m["labor_cost"], m["score"], m["is_price_modified_by_robot"] = nil, nil, nil, false
	emb["companies"] = a.renderLinked(q, "leads", l.ID, "companies")
	if with["contacts"] {
		emb["contacts"] = a.renderLinked(q, "leads", l.ID, "contacts")
	}
	if with["catalog_elements"] {
		emb["catalog_elements"] = a.renderLinked(q, "leads", l.ID, "catalog_elements")
	}
}

// nullable renders a zero id or time as null, the way amoCRM does.
func nullable(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func (l *Lead) hit(query string) bool {
	return matches(query, []string{l.Name}, l.CustomFields, true)
}

var statusKey = regexp.MustCompile(`^filter\[statuses\]\[(\d+)\]\[(pipeline_id|status_id)\]$`)

// leadFilter applies filter[pipeline_id] and filter[statuses][i][pipeline_id|status_id].
func leadFilter(q *request) func(*Lead) bool {
	v := q.URL.Query()
	pipelines := queryInts(v, "filter[pipeline_id]")
	inStage, _ := stageFilter(v, statusKey)
	return func(l *Lead) bool {
		if len(pipelines) > 0 && !slices.Contains(pipelines, l.PipelineID) {
			return false
		}
		return inStage(l.PipelineID, l.StatusID)
	}
}

// stageFilter reads the stages of a filter (keys matching key: index,
// then pipeline_id or status_id): whether a stage is one of them (true
// when none is given), and how many there are.
func stageFilter(v url.Values, key *regexp.Regexp) (func(pipeline, status int64) bool, int) {
	type stage struct{ pipeline, status int64 }
	stages := map[string]*stage{}
	for k := range v {
		if m := key.FindStringSubmatch(k); m != nil {
			if stages[m[1]] == nil {
				stages[m[1]] = &stage{}
			}
			n, _ := strconv.ParseInt(v.Get(k), 10, 64)
			if m[2] == "pipeline_id" {
				stages[m[1]].pipeline = n
			} else {
				stages[m[1]].status = n
			}
		}
	}
	return func(pipeline, status int64) bool {
		if len(stages) == 0 {
			return true
		}
		for _, s := range stages {
			if (s.pipeline == 0 || s.pipeline == pipeline) && (s.status == 0 || s.status == status) {
				return true
			}
		}
		return false
	}, len(stages)
}

// complexLeads serves POST /leads/complex: each lead comes with one contact
// and one company, new or named by id, and the answer is a top-level array.
// Duplicate control is not modeled: merged is always false.
func complexLeads(a *account, q *request) response {
	type item struct {
		lead    *Lead
		contact *Contact // new, or nil
		company *Company
		contID  int64 // existing
		compID  int64
	}
	items, rids, resp, ok := readBatch(q.body, func(rd reader) item {
		it := item{lead: fresh(a, &Lead{}, q.unix())}
		a.readCommon(rd, it.lead.common())
		it.lead.readScalars(rd)
		if emb, ok := rd.object("_embedded"); ok {
			if cs, _ := emb.objects("contacts"); len(cs) > 0 {
				it.contact, it.contID = readPart(a, q, cs[0], "contacts", &Contact{})
			}
			if cs, _ := emb.objects("companies"); len(cs) > 0 {
				it.company, it.compID = readPart(a, q, cs[0], "companies", &Company{})
			}
		}
		return it
	})
	if !ok {
		return resp
	}
	out := []any{}
	now := q.unix()
	for i, it := range items {
		if it.contact != nil {
			it.contID = save(a, a.contacts, it.contact, nil, nil, now)
		}
		if it.company != nil {
			it.compID = save(a, a.companies, it.company, nil, nil, now)
		}
		id := save(a, a.leads, it.lead, nil, nil, now)
		if it.contID != 0 {
			a.link(Link{EntityType: "leads", EntityID: id, ToEntityType: "contacts", ToEntityID: it.contID})
		}
		if it.compID != 0 {
			a.link(Link{EntityType: "leads", EntityID: id, ToEntityType: "companies", ToEntityID: it.compID})
		}
		if it.contID != 0 && it.compID != 0 {
			a.link(Link{EntityType: "contacts", EntityID: it.contID, ToEntityType: "companies", ToEntityID: it.compID})
		}
		out = append(out, map[string]any{"id": id, "contact_id": nullable(it.contID), "company_id": nullable(it.compID),
			"request_id": []string{rids[i]}, "merged": false})
	}
	return hal(200, out)
}

// readPart reads the contact or company of a complex lead: {"id": n} names
// an existing one, anything else describes a new one.
func readPart[T entity[T]](a *account, q *request, rd reader, entity string, blank T) (T, int64) {
	var zero T
	var id int64
	if rd.int("id", &id) && id != 0 {
		if !a.exists(entity, id) {
			rd.notFound("id")
		}
		return zero, id
	}
	e := fresh(a, blank, q.unix())
	a.readCommon(rd, e.common())
	e.readOwn(a, rd)
	return e, 0
}

// unsorted is an unsorted (неразобранное) entry made by /leads/unsorted/forms.
type unsorted struct {
	uid        string
	pipelineID int64
	leads      []int64
	contacts   []int64
	accepted   bool
}

// UnsortedStatusID stands for every pipeline's "unsorted" stage: leads made by
// /leads/unsorted/forms have it until they are accepted.
const UnsortedStatusID int64 = 1

// unsortedForms serves POST /leads/unsorted/forms: each entry creates its
// leads (in the unsorted stage) and contacts, linked together.
func unsortedForms(a *account, q *request) response {
	type item struct {
		sourceUID string
		pipeline  int64
		leads     []*Lead
		contacts  []*Contact
	}
	items, rids, resp, ok := readBatch(q.body, func(rd reader) item {
		var it item
		var name string
		if !rd.str("source_name", &name) {
			rd.missing("source_name")
		}
		if !rd.str("source_uid", &it.sourceUID) {
			rd.missing("source_uid")
		}
		rd.int("pipeline_id", &it.pipeline)
		if emb, ok := rd.object("_embedded"); ok {
			ls, _ := emb.objects("leads")
			for _, lr := range ls {
				l := fresh(a, &Lead{}, q.unix())
				a.readCommon(lr, l.common())
				l.readScalars(lr)
				it.leads = append(it.leads, l)
			}
			cs, _ := emb.objects("contacts")
			for _, cr := range cs {
				c := fresh(a, &Contact{}, q.unix())
				a.readCommon(cr, c.common())
				c.readOwn(a, cr)
				it.contacts = append(it.contacts, c)
			}
		}
		if len(it.leads) == 0 {
			it.leads = []*Lead{fresh(a, &Lead{}, q.unix())}
		}
		return it
	})
	if !ok {
		return resp
	}
	out := []any{}
	now := q.unix()
	for i, it := range items {
		u := &unsorted{uid: randomHex(32), pipelineID: it.pipeline}
		if u.pipelineID == 0 {
			u.pipelineID = a.cfg.DefaultPipelineID
		}
		for _, c := range it.contacts {
			u.contacts = append(u.contacts, save(a, a.contacts, c, nil, nil, now))
		}
		for _, l := range it.leads {
			l.PipelineID, l.StatusID = u.pipelineID, UnsortedStatusID
			id := save(a, a.leads, l, nil, nil, now)
			u.leads = append(u.leads, id)
			for _, cid := range u.contacts {
				a.link(Link{EntityType: "leads", EntityID: id, ToEntityType: "contacts", ToEntityID: cid})
			}
		}
		a.unsorted[u.uid] = u
		out = append(out, map[string]any{"uid": u.uid, "account_id": a.cfg.AccountID, "request_id": rids[i],
			"_embedded": map[string]any{"leads": idList(q, "leads", u.leads), "contacts": idList(q, "contacts", u.contacts), "companies": []any{}},
			"_links":    q.href("/api/v4/leads/unsorted/%s", u.uid)})
	}
	return hal(200, map[string]any{"_total_items": len(out), "_links": q.href("/api/v4/leads/unsorted/forms"),
		"_embedded": map[string]any{"unsorted": out}})
}

// unsortedAccept serves POST /leads/unsorted/{uid}/accept: the leads move to
// status_id from the body, or the account's default stage.
func unsortedAccept(a *account, q *request) response {
	u := a.unsorted[q.PathValue("uid")]
	if u == nil || u.accepted {
		return problem(404, "Not Found", "Unsorted entry not found")
	}
	var status, user int64
	if len(q.body) > 0 {
		o, resp, ok := single(q.body)
		if !ok {
			return resp
		}
		rd := newReader(o)
		rd.int("status_id", &status)
		rd.int("user_id", &user)
		if !rd.ok() {
			return validationFailed([]entityErrors{{"0", *rd.errs}})
		}
	}
	if status == 0 {
		status = a.cfg.DefaultStatusID
	}
	for _, id := range u.leads {
		if old := a.leads[id]; old != nil {
			l := old.clone()
			l.StatusID, l.UpdatedAt = status, q.unix()
			if user != 0 {
				l.ResponsibleUserID = user
			}
			save(a, a.leads, l, old, nil, q.unix())
		}
	}
	u.accepted = true
	return hal(200, map[string]any{"uid": u.uid, "account_id": a.cfg.AccountID, "pipeline_id": u.pipelineID,
		"status_id": status, "_embedded": map[string]any{"leads": idList(q, "leads", u.leads), "contacts": idList(q, "contacts", u.contacts)},
		"_links": q.href("/api/v4/leads/unsorted/%s", u.uid)})
}

func idList(q *request, entity string, ids []int64) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"id": id, "_links": q.href("/api/v4/%s/%d", entity, id)})
	}
	return out
}
