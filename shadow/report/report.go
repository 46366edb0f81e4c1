// Package report compares the writes shadow mode planned (table
// shadow_writes) with what really happened in amoCRM for the same leads,
// read back from the live account: the leads and contacts the old system
// created, their fields and tags, their notes, tasks and links. It is
// `amoflow shadow report` (README "Shadow mode").
//
// A planned create is matched to the entity the old system created for the
// same person (by the contact's phone or email, or the contact it names)
// within Window of the planned write; the made-up id the flow was given is
// then read as that entity's id in the job's later writes. An update, a
// note, a task or a link is compared with the entity as it is now.
package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"amoflow/amocrm"
	"amoflow/phone"
	"amoflow/shadow"
	"amoflow/store"
)

// Outcomes of one planned write (one entity of it).
const (
	Agree       = "agree"        // the account holds what the write would have set
	Differ      = "differ"       // it holds something else in the listed fields
	Missing     = "missing"      // the old system did not do it at all
	Unmatched   = "unmatched"    // it concerns an entity created by a write that matched nothing
	NotCompared = "not_compared" // no way to read it back (1C, tag catalog, …)
)

// Write is one planned write with its body in clear.
type Write struct {
	store.ShadowWrite
	Body []byte
}

// Result is the verdict on one entity of a planned write.
type Result struct {
	Job     string `json:"job"`
	Flow    string `json:"flow"`
	Account string `json:"account"`
	Write   string `json:"write"` // method and path template
	Entity  string `json:"entity,omitempty"`
	Outcome string `json:"outcome"`
	Diffs   []Diff `json:"diffs,omitempty"`
	Note    string `json:"note,omitempty"`
}

// FlowRow sums one flow's results.
type FlowRow struct {
	Flow        string         `json:"flow"`
	Jobs        int            `json:"jobs"`
	Writes      int            `json:"writes"`
	Agree       int            `json:"agree"`
	Differ      int            `json:"differ"`
	Missing     int            `json:"missing"`
	Unmatched   int            `json:"unmatched"`
	NotCompared int            `json:"not_compared"`
	Fields      map[string]int `json:"differing_fields,omitempty"` // field → how many writes differ in it
}

// Agreement is the share of compared writes that agree (0..1); 1 with none compared.
func (r FlowRow) Agreement() float64 {
	n := r.Agree + r.Differ + r.Missing
	if n == 0 {
		return 1
	}
	return float64(r.Agree) / float64(n)
}

// Report is the comparison of every planned write since a time.
type Report struct {
	Since   time.Time `json:"since"`
	Flows   []FlowRow `json:"flows"`
	Results []Result  `json:"results"`
}

// Comparer reads the live accounts and compares.
type Comparer struct {
	Clients map[string]*amocrm.Client
	// Window is how far from the planned write the old system's entity may
	// have been created (default 1h).
	Window time.Duration
	// FieldNames names custom field ids per account (from the config), for
	// the differing-fields column; optional.
	FieldNames map[string]map[int64]string

	mapped  map[string]map[int64]int64 // account → made-up id → the real one
	claimed map[string]map[int64]bool  // account → real ids already matched
}

// Compare compares writes (oldest first, as stored) with the accounts.
func (c *Comparer) Compare(ctx context.Context, since time.Time, writes []Write) (*Report, error) {
	if c.Window == 0 {
		c.Window = time.Hour
	}
	c.mapped, c.claimed = map[string]map[int64]int64{}, map[string]map[int64]bool{}
	rep := &Report{Since: since, Results: []Result{}}
	for _, w := range writes {
		res, err := c.compare(ctx, w)
		if err != nil {
			return nil, fmt.Errorf("write %d (%s %s of job %s): %w", w.ID, w.Method, amocrm.EndpointTemplate(w.Path), w.WorkflowID, err)
		}
		for i := range res {
			res[i].Job, res[i].Flow, res[i].Account = w.WorkflowID, w.WorkflowType, w.Account
			res[i].Write = w.Method + " " + amocrm.EndpointTemplate(w.Path)
			if res[i].Outcome == Differ && len(res[i].Diffs) == 0 {
				res[i].Outcome = Agree
			}
			if res[i].Outcome == Agree {
				res[i].Diffs = nil
			}
		}
		rep.Results = append(rep.Results, res...)
	}
	rep.Flows = summarize(rep.Results)
	return rep, nil
}

// summarize builds the per-flow table, flows by name.
func summarize(results []Result) []FlowRow {
	rows := map[string]*FlowRow{}
	jobs := map[string]map[string]bool{}
	for _, r := range results {
		row := rows[r.Flow]
		if row == nil {
			row = &FlowRow{Flow: r.Flow, Fields: map[string]int{}}
			rows[r.Flow], jobs[r.Flow] = row, map[string]bool{}
		}
		jobs[r.Flow][r.Job] = true
		row.Writes++
		switch r.Outcome {
		case Agree:
			row.Agree++
		case Differ:
			row.Differ++
		case Missing:
			row.Missing++
		case Unmatched:
			row.Unmatched++
		default:
			row.NotCompared++
		}
		for _, d := range r.Diffs {
			row.Fields[d.Field]++
		}
	}
	out := make([]FlowRow, 0, len(rows))
	for name, row := range rows {
		row.Jobs = len(jobs[name])
		if len(row.Fields) == 0 {
			row.Fields = nil
		}
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Flow < out[j].Flow })
	return out
}

// compare dispatches one write by its path.
func (c *Comparer) compare(ctx context.Context, w Write) ([]Result, error) {
	if w.Account == shadow.OneCAccount {
		return []Result{{Outcome: NotCompared, Note: "1C is not read back"}}, nil
	}
	cl := c.Clients[w.Account]
	if cl == nil {
		return []Result{{Outcome: NotCompared, Note: "account not configured"}}, nil
	}
	path, _, _ := strings.Cut(w.Path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/") // api v4 {entity} …
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "v4" {
		return []Result{{Outcome: NotCompared}}, nil
	}
	entity := amocrm.EntityType(segs[2])
	rest := segs[3:]
	switch {
	case w.Method == "POST" && len(rest) == 1 && rest[0] == "complex" && entity == "leads":
		return c.complexCreate(ctx, cl, w)
	case w.Method == "POST" && len(rest) == 0 && isMain(entity):
		return c.creates(ctx, cl, w, entity)
	case w.Method == "PATCH" && len(rest) == 0 && isMain(entity):
		return c.updates(ctx, cl, w, entity)
	case w.Method == "POST" && len(rest) == 1 && rest[0] == "notes" && isMain(entity):
		return c.notes(ctx, cl, w, entity)
	case w.Method == "POST" && len(rest) == 2 && rest[1] == "link" && isMain(entity):
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil {
			return []Result{{Outcome: NotCompared}}, nil
		}
		return c.links(ctx, cl, w, entity, id)
	case w.Method == "POST" && len(rest) == 0 && entity == "tasks":
		return c.tasks(ctx, cl, w)
	}
	return []Result{{Outcome: NotCompared}}, nil
}

func isMain(e amocrm.EntityType) bool {
	return e == "leads" || e == "contacts" || e == "companies"
}

// real maps an id the flow was given to the account's: a made-up id to the
// entity its create was matched with (ok false when it matched nothing).
func (c *Comparer) real(account string, id int64) (int64, bool) {
	if !amocrm.IsShadowID(id) {
		return id, true
	}
	r, ok := c.mapped[account][id]
	return r, ok
}

func (c *Comparer) match(account string, shadowID, realID int64) {
	if c.mapped[account] == nil {
		c.mapped[account], c.claimed[account] = map[int64]int64{}, map[int64]bool{}
	}
	c.mapped[account][shadowID] = realID
	c.claimed[account][realID] = true
}

func (c *Comparer) inWindow(w Write, created int64) bool {
	at := time.Unix(created, 0)
	return !at.Before(w.CreatedAt.Add(-c.Window)) && !at.After(w.CreatedAt.Add(c.Window))
}

func (c *Comparer) fieldName(account string) func(int64) string {
	names := c.FieldNames[account]
	return func(id int64) string { return names[id] }
}

// answerIDs reads the ids the flow was given for a write's entities, in order.
func answerIDs(w Write) ([]int64, error) {
	_, answer, err := amocrm.ShadowAnswer(w.Method, w.Path, w.Body, w.IDs)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(strings.SplitN(w.Path, "?", 2)[0], "/complex") {
		var got []amocrm.ComplexResult
		if err := json.Unmarshal(answer, &got); err != nil {
			return nil, err
		}
		var ids []int64
		for _, g := range got {
			ids = append(ids, g.ID, g.ContactID, g.CompanyID)
		}
		return ids, nil
	}
	var page struct {
		Embedded map[string][]struct {
			ID int64 `json:"id"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(answer, &page); err != nil {
		return nil, err
	}
	var ids []int64
	for _, items := range page.Embedded {
		for _, it := range items {
			ids = append(ids, it.ID)
		}
	}
	return ids, nil
}

// complexCreate compares POST /leads/complex: each lead with its contact.
func (c *Comparer) complexCreate(ctx context.Context, cl *amocrm.Client, w Write) ([]Result, error) {
	var leads []amocrm.Lead
	if err := json.Unmarshal(w.Body, &leads); err != nil {
		return nil, err
	}
	ids, err := answerIDs(w)
	if err != nil {
		return nil, err
	}
	var out []Result
	for i, l := range leads {
		leadID, contactID := ids[3*i], ids[3*i+1]
		var pc *amocrm.Contact
		if l.Embedded != nil && len(l.Embedded.Contacts) > 0 {
			pc = &l.Embedded.Contacts[0]
		}
		contacts, err := c.contactsOf(ctx, cl, w.Account, pc)
		if err != nil {
			return nil, err
		}
		lead, contact, err := c.bestLead(ctx, cl, w, contacts, &l)
		if err != nil {
			return nil, err
		}
		if lead == nil {
			out = append(out, Result{Entity: "lead", Outcome: Missing, Diffs: []Diff{{Field: "lead"}},
				Note: "no lead of the person created within the window"})
			continue
		}
		c.match(w.Account, leadID, lead.ID)
		if amocrm.IsShadowID(contactID) && contact != nil {
			c.match(w.Account, contactID, contact.ID)
		}
		diffs := diffRecords("", leadRecord(&l), leadRecord(lead), c.fieldName(w.Account))
		if pc != nil && pc.ID == 0 && contact != nil {
			diffs = append(diffs, diffRecords("contact.", contactRecord(pc), contactRecord(contact), c.fieldName(w.Account))...)
		}
		if pc != nil && pc.ID != 0 && !slices.Contains(lead.ContactIDs(), pc.ID) {
			diffs = append(diffs, Diff{Field: "contact"})
		}
		out = append(out, Result{Entity: "lead", Outcome: Differ, Diffs: diffs})
	}
	return out, nil
}

// contactsOf finds the account's contacts of a planned contact: itself when
// it names one, else those with its phone or email.
func (c *Comparer) contactsOf(ctx context.Context, cl *amocrm.Client, account string, pc *amocrm.Contact) ([]amocrm.Contact, error) {
	if pc == nil {
		return nil, nil
	}
	if pc.ID != 0 {
		id, ok := c.real(account, pc.ID)
		if !ok {
			return nil, nil
		}
		ct, err := cl.Contact(ctx, id, "leads")
		if errors.Is(err, amocrm.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []amocrm.Contact{*ct}, nil
	}
	var out []amocrm.Contact
	seen := map[int64]bool{}
	for _, ph := range pc.Phones() {
		n := phone.Normalize(ph)
		if n == "" {
			continue
		}
		hits, err := cl.SearchContacts(ctx, phone.SearchKey(n), "leads")
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if !seen[h.ID] && slices.ContainsFunc(h.Phones(), func(s string) bool { return phone.Same(s, n) }) {
				seen[h.ID] = true
				out = append(out, h)
			}
		}
	}
	for _, em := range pc.Emails() {
		em = strings.TrimSpace(em)
		if em == "" {
			continue
		}
		hits, err := cl.SearchContacts(ctx, em, "leads")
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if !seen[h.ID] && slices.ContainsFunc(h.Emails(), func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), em) }) {
				seen[h.ID] = true
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// bestLead picks, among the contacts' leads created within the window and
// not matched yet, the one closest to the planned lead (fewest differing
// fields, then the earliest).
func (c *Comparer) bestLead(ctx context.Context, cl *amocrm.Client, w Write, contacts []amocrm.Contact, planned *amocrm.Lead) (*amocrm.Lead, *amocrm.Contact, error) {
	var best *amocrm.Lead
	var bestContact *amocrm.Contact
	bestDiffs := 0
	for i := range contacts {
		ids := contacts[i].LeadIDs()
		if len(ids) == 0 {
			continue
		}
		leads, err := cl.LeadsByID(ctx, ids, "contacts")
		if err != nil {
			return nil, nil, err
		}
		for j := range leads {
			l := &leads[j]
			if c.claimed[w.Account][l.ID] || !c.inWindow(w, l.CreatedAt) {
				continue
			}
			n := len(diffRecords("", leadRecord(planned), leadRecord(l), nil))
			if best == nil || n < bestDiffs || n == bestDiffs && l.CreatedAt < best.CreatedAt {
				best, bestContact, bestDiffs = l, &contacts[i], n
			}
		}
	}
	return best, bestContact, nil
}

// creates compares plain creates (POST /leads, /contacts, /companies).
func (c *Comparer) creates(ctx context.Context, cl *amocrm.Client, w Write, entity amocrm.EntityType) ([]Result, error) {
	ids, err := answerIDs(w)
	if err != nil {
		return nil, err
	}
	var out []Result
	switch entity {
	case "contacts":
		var items []amocrm.Contact
		if err := json.Unmarshal(w.Body, &items); err != nil {
			return nil, err
		}
		for i := range items {
			found, err := c.contactsOf(ctx, cl, w.Account, &amocrm.Contact{CustomFieldsValues: items[i].CustomFieldsValues})
			if err != nil {
				return nil, err
			}
			var match *amocrm.Contact
			for j := range found {
				if !c.claimed[w.Account][found[j].ID] && c.inWindow(w, found[j].CreatedAt) {
					match = &found[j]
					break
				}
			}
			if match == nil {
				out = append(out, Result{Entity: "contact", Outcome: Missing, Diffs: []Diff{{Field: "contact"}}})
				continue
			}
			c.match(w.Account, ids[i], match.ID)
			out = append(out, Result{Entity: "contact", Outcome: Differ,
				Diffs: diffRecords("", contactRecord(&items[i]), contactRecord(match), c.fieldName(w.Account))})
		}
	case "leads":
		var items []amocrm.Lead
		if err := json.Unmarshal(w.Body, &items); err != nil {
			return nil, err
		}
		for i := range items {
			var contacts []amocrm.Contact
			for _, id := range items[i].ContactIDs() {
				found, err := c.contactsOf(ctx, cl, w.Account, &amocrm.Contact{ID: id})
				if err != nil {
					return nil, err
				}
				contacts = append(contacts, found...)
			}
			lead, _, err := c.bestLead(ctx, cl, w, contacts, &items[i])
			if err != nil {
				return nil, err
			}
			if lead == nil {
				out = append(out, Result{Entity: "lead", Outcome: Missing, Diffs: []Diff{{Field: "lead"}}})
				continue
			}
			c.match(w.Account, ids[i], lead.ID)
			out = append(out, Result{Entity: "lead", Outcome: Differ,
				Diffs: diffRecords("", leadRecord(&items[i]), leadRecord(lead), c.fieldName(w.Account))})
		}
	default:
		var items []amocrm.Company
		if err := json.Unmarshal(w.Body, &items); err != nil {
			return nil, err
		}
		for i := range items {
			var match *amocrm.Company
			if items[i].Name != "" {
				hits, err := cl.SearchCompanies(ctx, items[i].Name)
				if err != nil {
					return nil, err
				}
				for j := range hits {
					if !c.claimed[w.Account][hits[j].ID] && c.inWindow(w, hits[j].CreatedAt) && sameText(hits[j].Name, items[i].Name) {
						match = &hits[j]
						break
					}
				}
			}
			if match == nil {
				out = append(out, Result{Entity: "company", Outcome: Missing, Diffs: []Diff{{Field: "company"}}})
				continue
			}
			c.match(w.Account, ids[i], match.ID)
			out = append(out, Result{Entity: "company", Outcome: Differ,
				Diffs: diffRecords("", companyRecord(&items[i]), companyRecord(match), c.fieldName(w.Account))})
		}
	}
	return out, nil
}

// updates compares PATCHes with the entities as they are now.
func (c *Comparer) updates(ctx context.Context, cl *amocrm.Client, w Write, entity amocrm.EntityType) ([]Result, error) {
	name := map[amocrm.EntityType]string{"leads": "lead", "contacts": "contact", "companies": "company"}[entity]
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(w.Body, &items); err != nil {
		return nil, err
	}
	var out []Result
	for _, raw := range items {
		one, _ := json.Marshal(raw)
		var head struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(one, &head) // one was just marshalled from the same value
		id, ok := c.real(w.Account, head.ID)
		if !ok {
			out = append(out, Result{Entity: name, Outcome: Unmatched, Note: "the entity's planned create matched nothing"})
			continue
		}
		var planned, actual record
		var err error
		switch entity {
		case "leads":
			var p amocrm.Lead
			_ = json.Unmarshal(one, &p) // as above
			var a *amocrm.Lead
			if a, err = cl.Lead(ctx, id); err == nil {
				planned, actual = leadRecord(&p), leadRecord(a)
			}
		case "contacts":
			var p amocrm.Contact
			_ = json.Unmarshal(one, &p) // as above
			var a *amocrm.Contact
			if a, err = cl.Contact(ctx, id); err == nil {
				planned, actual = contactRecord(&p), contactRecord(a)
			}
		default:
			var p amocrm.Company
			_ = json.Unmarshal(one, &p) // as above
			var a *amocrm.Company
			if a, err = cl.Company(ctx, id); err == nil {
				planned, actual = companyRecord(&p), companyRecord(a)
			}
		}
		if errors.Is(err, amocrm.ErrNotFound) {
			out = append(out, Result{Entity: name, Outcome: Missing, Diffs: []Diff{{Field: name}}, Note: "the entity is gone"})
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Result{Entity: name, Outcome: Differ, Diffs: diffRecords("", planned, actual, c.fieldName(w.Account))})
	}
	return out, nil
}

// notes compares planned notes with the entity's notes: one of the same type
// with the same text agrees; one of the same type made within the window
// with another text differs in its text; none is missing.
func (c *Comparer) notes(ctx context.Context, cl *amocrm.Client, w Write, entity amocrm.EntityType) ([]Result, error) {
	var items []amocrm.Note
	if err := json.Unmarshal(w.Body, &items); err != nil {
		return nil, err
	}
	var out []Result
	for _, n := range items {
		label := "note(" + n.NoteType + ")"
		id, ok := c.real(w.Account, n.EntityID)
		if !ok {
			out = append(out, Result{Entity: label, Outcome: Unmatched, Note: "the entity's planned create matched nothing"})
			continue
		}
		have, err := cl.Notes(ctx, entity, id, n.NoteType)
		if err != nil && !errors.Is(err, amocrm.ErrNotFound) {
			return nil, err
		}
		res := Result{Entity: label, Outcome: Missing, Diffs: []Diff{{Field: label}}}
		for _, h := range have {
			if h.NoteType != n.NoteType {
				continue
			}
			if sameText(h.Params.Text, n.Params.Text) && sameText(h.Params.Service, n.Params.Service) {
				res = Result{Entity: label, Outcome: Agree}
				break
			}
			if c.inWindow(w, h.CreatedAt) && res.Outcome == Missing {
				res = Result{Entity: label, Outcome: Differ, Diffs: []Diff{{Field: label + ".text"}}}
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// links compares planned links with the entity's links.
func (c *Comparer) links(ctx context.Context, cl *amocrm.Client, w Write, entity amocrm.EntityType, id int64) ([]Result, error) {
	var items []amocrm.Link
	if err := json.Unmarshal(w.Body, &items); err != nil {
		return nil, err
	}
	from, ok := c.real(w.Account, id)
	var have []amocrm.Link
	if ok {
		var err error
		if have, err = cl.Links(ctx, entity, from); err != nil && !errors.Is(err, amocrm.ErrNotFound) {
			return nil, err
		}
	}
	var out []Result
	for _, l := range items {
		label := "link(" + string(l.ToEntityType) + ")"
		to, toOK := c.real(w.Account, l.ToEntityID)
		if !ok || !toOK {
			out = append(out, Result{Entity: label, Outcome: Unmatched, Note: "the entity's planned create matched nothing"})
			continue
		}
		found := slices.ContainsFunc(have, func(h amocrm.Link) bool { return h.ToEntityID == to && h.ToEntityType == l.ToEntityType })
		if found {
			out = append(out, Result{Entity: label, Outcome: Agree})
		} else {
			out = append(out, Result{Entity: label, Outcome: Missing, Diffs: []Diff{{Field: label}}})
		}
	}
	return out, nil
}

// tasks compares planned tasks with the entity's tasks: the same text
// agrees when its type and responsible agree too.
func (c *Comparer) tasks(ctx context.Context, cl *amocrm.Client, w Write) ([]Result, error) {
	var items []amocrm.Task
	if err := json.Unmarshal(w.Body, &items); err != nil {
		return nil, err
	}
	var out []Result
	for _, t := range items {
		id, ok := c.real(w.Account, t.EntityID)
		if !ok || t.EntityType == "" {
			out = append(out, Result{Entity: "task", Outcome: Unmatched})
			continue
		}
		have, err := cl.TasksFor(ctx, t.EntityType, id)
		if err != nil && !errors.Is(err, amocrm.ErrNotFound) {
			return nil, err
		}
		res := Result{Entity: "task", Outcome: Missing, Diffs: []Diff{{Field: "task"}}}
		for _, h := range have {
			if !sameText(h.Text, t.Text) {
				continue
			}
			p := record{scalars: map[string]string{"task_type_id": num(t.TaskTypeID), "responsible_user_id": num(t.ResponsibleUserID)}}
			a := record{scalars: map[string]string{"task_type_id": num(h.TaskTypeID), "responsible_user_id": num(h.ResponsibleUserID)}}
			res = Result{Entity: "task", Outcome: Differ, Diffs: diffRecords("task.", p, a, nil)}
			break
		}
		out = append(out, res)
	}
	return out, nil
}
