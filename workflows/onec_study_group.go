package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
	"amoflow/phone"
)

// StudyGroupInput is a study group 1C sends (docs/flows.md#studygrouplead).
type StudyGroupInput struct {
	LeadID          onec.ID             `json:"lead_id"` // optional: the retail lead of the group
	Group           string              `json:"group"`
	DateStart       onec.DateTime       `json:"date_start"`
	DateEnd         onec.DateTime       `json:"date_end"`
	DateExam        onec.DateTime       `json:"date_exam"`
	Teacher         string              `json:"teacher"`
	ResponsibleUser string              `json:"responsible_user"` // an amoCRM user's name
	Organization    string              `json:"organization"`
	Auditory        string              `json:"auditory"`
	Students        []StudyGroupStudent `json:"students"`
}

// StudyGroupStudent is one student: their contacts in amoCRM, their 1C
// client id, their phone.
type StudyGroupStudent struct {
	AmoIDs []onec.AmoID `json:"amo_ids"`
	ID1C   onec.GUID    `json:"1c_id"`
	Phone  string       `json:"phone"`
}

// StudyGroupResult is what a finished StudyGroupLead reports.
type StudyGroupResult struct {
	LeadID  int64   `json:"lead_id"`
	Created bool    `json:"created"`
	Linked  []int64 `json:"linked"` // the students' contacts linked to the lead
	// NotFound lists the students (by position) that have no contact.
	NotFound []int `json:"not_found,omitempty"`
}

// StudyGroupLead makes the retail lead of a study group and links its
// students to it (docs/flows.md#studygrouplead, fixed): the lead named by
// lead_id when it exists (no junk lead is ever made), else a new lead
// "{group} {dd.mm} {teacher}" with the group's dates, teacher, room and
// organization, in the study pipeline (the distance one for the managers
// configured so), tagged 1с_группы. Each student's contact is the one in
// amo_ids, else the one linked to their 1C id, else one found by 1C id or
// phone, verified; students without a contact are reported, not created.
func (f *Flows) StudyGroupLead(ctx workflow.Context, in StudyGroupInput) (*StudyGroupResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(s.Retail)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Group) == "" && in.LeadID.Int() == 0 {
		return nil, temporal.NewNonRetryableApplicationError("a study group needs group or lead_id", activities.ErrBadGroup, nil)
	}
	res := &StudyGroupResult{Linked: []int64{}}
	lead, err := f.read(ctx, acct, "leads", 0, in.LeadID.Int())
	if err != nil {
		return nil, err
	}
	if lead.ID == 0 {
		id, err := f.newGroupLead(ctx, s, acct, in)
		if err != nil {
			return nil, err
		}
		lead.ID, res.Created = id, true
	}
	res.LeadID = lead.ID
	tagLead(ctx, s.SearchAttributes, lead.ID)

	contacts, notFound, err := f.students(ctx, acct, in.Students)
	if err != nil {
		return nil, err
	}
	res.NotFound = notFound
	var links []activities.AmoLinkTo
	for _, id := range contacts {
		if !slices.Contains(lead.ContactIDs, id) {
			links = append(links, activities.AmoLinkTo{Entity: "contacts", ID: id})
		}
	}
	if len(links) > 0 {
		in := activities.AmoLinks{Account: acct.Name, Entity: "leads", ID: lead.ID, Links: links}
		if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, in).Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	res.Linked = append(res.Linked, contacts...)
	return res, nil
}

// newGroupLead creates the group's lead.
func (f *Flows) newGroupLead(ctx workflow.Context, s onecSettings, acct onecAccount, in StudyGroupInput) (int64, error) {
	users, err := f.users(ctx, acct)
	if err != nil {
		return 0, err
	}
	responsible := userByName(users, in.ResponsibleUser)
	if responsible == 0 {
		responsible = acct.DefaultResponsible
	}
	sg := s.StudyGroups
	pipeline := sg.PipelineID
	if slices.ContainsFunc(sg.DistanceManagers, func(n string) bool { return sameName(n, in.ResponsibleUser) }) && sg.DistancePipelineID != 0 {
		pipeline = sg.DistancePipelineID
	}
	if pipeline == 0 {
		pipeline = acct.Intake.PipelineID
	}
	title := groupTitle(in.Group, in.DateStart, in.Teacher)
	lf := acct.LeadFields
	fields, dates := map[int64]string{}, map[int64]int64{}
	for key, v := range map[string]string{
		keyOrganization: orgForAmo(in.Organization), "study_form": sg.StudyForm, "study_type": sg.StudyType,
		"teacher": in.Teacher, "auditory": in.Auditory, keyLeadType: title,
	} {
		if id := lf[key]; id != 0 && strings.TrimSpace(v) != "" {
			fields[id] = strings.TrimSpace(v)
		}
	}
	for key, d := range map[string]onec.DateTime{"study_start": in.DateStart, "study_end": in.DateEnd, "exam_date": in.DateExam} {
		if id := lf[key]; id != 0 && !d.IsZero() {
			dates[id] = unixDate(d)
		}
	}
	w := activities.AmoWrite{Entity: "leads", Name: title, PipelineID: pipeline, ResponsibleID: responsible,
		Fields: fields, Dates: dates, Probe: activities.AmoProbe{Query: title, Value: title}}
	if sg.Tag != "" {
		w.Tags = []activities.Tag{{ID: acct.Tags[sg.Tag], Name: sg.Tag}}
	}
	return f.write(ctx, acct, w)
}

// students finds the students' contacts: ids from amo_ids and the 1C
// links are checked in one read; the rest are searched by 1C id, then by
// phone, each hit verified. It returns the contacts (in student order,
// without repeats) and the positions of the students not found.
func (f *Flows) students(ctx workflow.Context, acct onecAccount, students []StudyGroupStudent) ([]int64, []int, error) {
	cand := make([]int64, len(students))
	for i, st := range students {
		if cand[i] = onec.AmoIDIn(st.AmoIDs, acct.AccountID); cand[i] == 0 && st.ID1C.Valid() {
			var id int64
			link := activities.OneCLink{Account: acct.Name, Entity: "contacts", GUID: st.ID1C}
			if err := workflow.ExecuteActivity(storeOptions(ctx), oneC.RecallOneC, link).Get(ctx, &id); err != nil {
				return nil, nil, err
			}
			cand[i] = id
		}
	}
	var ids []int64
	for _, id := range cand {
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	exists := map[int64]bool{}
	if len(ids) > 0 {
		var recs []activities.AmoRecord
		refs := activities.AmoRefs{Account: acct.Name, Entity: "contacts", IDs: ids}
		if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.ReadRecords1C, refs).Get(ctx, &recs); err != nil {
			return nil, nil, err
		}
		for _, r := range recs {
			exists[r.ID] = true
		}
	}
	var found []int64
	var missing []int
	clientField := acct.ContactFields[keyClientID1C]
	for i, st := range students {
		id := cand[i]
		if !exists[id] {
			id = 0
		}
		if id == 0 && st.ID1C.Valid() && clientField != 0 {
			hits, err := f.search(ctx, acct, "contacts", 0, string(st.ID1C))
			if err != nil {
				return nil, nil, err
			}
			if exact := exactGUID(hits, clientField, st.ID1C); len(exact) > 0 {
				id = exact[0].ID
			}
		}
		if id == 0 && phone.SearchKey(normPhone(st.Phone)) != "" {
			hit, err := f.findPerson(ctx, acct, st.Phone, "")
			if err != nil {
				return nil, nil, err
			}
			id = hit.ID
		}
		if id == 0 {
			missing = append(missing, i)
			continue
		}
		if !slices.Contains(found, id) {
			found = append(found, id)
		}
	}
	return found, missing, nil
}
