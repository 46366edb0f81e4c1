package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"amoflow/phone"
	"amoflow/ucheba"
)

// The pure part of the ucheba.ru import (docs/flows.md#uchebaimport):
// which day to fetch, and which requests become which site forms.

// The site forms' texts, as the predecessor wrote them (the retail
// account's tag rules and reports match on them).
const (
	uchebaSite            = "ucheba.ru"
	uchebaLearningForm    = "Заявка с формы Запись на обучение с сайта ucheba.ru"
	uchebaLearningComment = "Заявка на обучение с сайта ucheba.ru по программе: "
	uchebaQuestionForm    = "Заявка с формы Вопрос с сайта ucheba.ru"
	uchebaQuestionComment = "Вопрос с сайта ucheba.ru: "
)

// UchebaDay is the day to import: the one asked for, or else the day
// before the run's scheduled time in the schedule's zone ("yesterday" for
// a run at 03:00, whenever it actually starts).
func UchebaDay(asked string, scheduled time.Time, zone string) (string, error) {
	if asked != "" {
		if _, err := time.Parse(ucheba.DayLayout, asked); err != nil {
			return "", fmt.Errorf("day %q is not a date (YYYY-MM-DD)", asked)
		}
		return asked, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", fmt.Errorf("ucheba.schedule.time_zone %q: %v", zone, err)
	}
	return scheduled.In(loc).AddDate(0, 0, -1).Format(ucheba.DayLayout), nil
}

// uchebaPlan is what one day's listing becomes.
type uchebaPlan struct {
	Forms []FormInput // JobID, Account and Fields set; ReceivedAt is the workflow's
	// Unusable are the leads without a name, or with neither a usable phone
	// nor an email; Skipped those whose request is of another kind (or
	// lacks its program or question), as the predecessor skipped them.
	Unusable, Skipped []int64
	Duplicates        int // requests listed twice
}

// uchebaForms turns the leads' latest requests into retail site forms,
// one per request (the first when the listing repeats one).
func uchebaForms(leads []ucheba.Lead, account string, institution int64) uchebaPlan {
	var p uchebaPlan
	seen := map[string]bool{}
	for _, l := range leads {
		fields, usable, known := uchebaFields(l)
		switch {
		case !known:
			p.Skipped = append(p.Skipped, l.ID)
			continue
		case !usable:
			p.Unusable = append(p.Unusable, l.ID)
			continue
		}
		id := UchebaFormJobID(account, institution, l.LastActivity.ID)
		if seen[id] {
			p.Duplicates++
			continue
		}
		seen[id] = true
		p.Forms = append(p.Forms, FormInput{JobID: id, Account: account, Fields: fields})
	}
	return p
}

// uchebaFields are the form fields of a lead's latest request; known is
// false for a request the import does not take, usable false for one
// without a name or without a usable phone or email.
func uchebaFields(l ucheba.Lead) (fields map[string]string, usable, known bool) {
	a := l.LastActivity
	if a == nil || a.Type == nil || a.ID == 0 {
		return nil, false, false
	}
	fields = map[string]string{"site": uchebaSite}
	switch {
	case a.Type.Value == ucheba.TypeLearningRequest && a.LearningRequest != nil && a.LearningRequest.Program != nil:
		fields["form_name_site"] = uchebaLearningForm
		fields["comment"] = uchebaLearningComment + strings.TrimSpace(a.LearningRequest.Program.Name)
	case a.Type.Value == ucheba.TypeQuestion && a.Question != nil:
		fields["form_name_site"] = uchebaQuestionForm
		fields["comment"] = uchebaQuestionComment + strings.TrimSpace(a.Question.Text)
	default:
		return nil, false, false
	}
	if l.Person == nil {
		return nil, false, true
	}
	name, tel, rawEmail := strings.TrimSpace(l.Person.FullName), strings.TrimSpace(l.Person.Phone), strings.TrimSpace(l.Person.Email)
	email := FormEmail(rawEmail)
	if name == "" || (phone.Normalize(tel) == "" && email == "") {
		return nil, false, true
	}
	fields["name"] = name
	if tel != "" {
		fields["phone"] = tel
	}
	// As the starter keeps a form's email: lower-cased when it is an
	// address, as typed (for the lead's note) when it is not.
	if email == "" {
		email = rawEmail
	}
	if email != "" {
		fields["email"] = email
	}
	return fields, true, true
}

// uchebaFresh splits the forms into those to start and the job ids of
// those an earlier import recorded as started (known).
func uchebaFresh(forms []FormInput, known []string) (fresh []FormInput, recorded []string) {
	for _, form := range forms {
		if slices.Contains(known, form.JobID) {
			recorded = append(recorded, form.JobID)
		} else {
			fresh = append(fresh, form)
		}
	}
	return fresh, recorded
}
