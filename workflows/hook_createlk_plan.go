package workflows

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"amoflow/activities"
	"amoflow/lk"
)

// Texts of createlk (docs/flows.md#createlk), as the predecessor wrote them.
const (
	lkCreatedNote   = "Создан ЛК для клиента."
	lkNoContactNote = "Не удалось создать личный кабинет. В сделке отсутствует контакт"
	lkNo1CNote      = "Не удалось создать личный кабинет. Контакт не привязан к 1С"
	lkNoCourseNote  = "Не удалось создать личный кабинет. В сделке отсутствует подходящий курс"
	lkYes, lkNo     = "Да", "Нет"
)

// lkFailedNote says why the service refused the account.
func lkFailedNote(a activities.LKAnswer) string {
	return "Не удалось создать ЛК для клиента: " + a.Email + " " + a.Phone
}

// msk is Moscow time, in which amoCRM date fields are meant.
var msk = time.FixedZone("MSK", 3*60*60)

// lkCourseOK reports whether the lead's course gets an account: a course
// is required; an empty list takes every course.
func lkCourseOK(course string, courses []string) bool {
	course = strings.TrimSpace(course)
	return course != "" && (len(courses) == 0 || slices.Contains(courses, course))
}

// lkContact picks the student among the lead's contacts (in the lead's
// order): the first with the LK flag field filled, else the first.
func lkContact(contacts []activities.ContactFields, order []int64, flagID int64) (activities.ContactFields, bool) {
	var sorted []activities.ContactFields
	for _, id := range order {
		if i := slices.IndexFunc(contacts, func(c activities.ContactFields) bool { return c.ID == id }); i >= 0 {
			sorted = append(sorted, contacts[i])
		}
	}
	if len(sorted) == 0 {
		return activities.ContactFields{}, false
	}
	for _, c := range sorted {
		if fieldText(c.Values, flagID, "") != "" {
			return c, true
		}
	}
	return sorted[0], true
}

// fieldText is the first value of the field with id (or, when id is 0,
// with code) as text, trimmed.
func fieldText(values []activities.FieldValues, id int64, code string) string {
	for _, f := range values {
		if (id != 0 && f.ID == id) || (id == 0 && code != "" && f.Code == code) {
			for _, v := range f.Values {
				if t := strings.TrimSpace(v.Text()); t != "" {
					return t
				}
			}
		}
	}
	return ""
}

// lkDate is a date field (Unix seconds) as the service wants it, the day
// in Moscow; "" when empty (the predecessor sent 1970-01-01).
func lkDate(values []activities.FieldValues, id int64) string {
	s := fieldText(values, id, "")
	if s == "" {
		return ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n != 0 {
		return time.Unix(n, 0).In(msk).Format(time.DateOnly)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(msk).Format(time.DateOnly)
	}
	return ""
}

// lkStudent is the registration request for the contact, its fields named
// by cf (accounts.retail.contact_fields).
func lkStudent(c activities.ContactFields, cf map[string]int64) lk.Student {
	v := c.Values
	email := fieldText(v, 0, "EMAIL")
	s := lk.Student{
		Name:             c.Name,
		Login:            email,
		Email:            email,
		Phone:            fieldText(v, 0, "PHONE"),
		Birthday:         lkDate(v, cf["dob"]),
		SNILS:            fieldText(v, cf["snils"], ""),
		PassSeries:       fieldText(v, cf["pass_serie"], ""),
		PassNumber:       fieldText(v, cf["pass_number"], ""),
		PassIssuedAt:     lkDate(v, cf["pass_issued_at"]),
		PassIssuedBy:     fieldText(v, cf["pass_issued_by"], ""),
		PassDptCode:      fieldText(v, cf["pass_dpt_code"], ""),
		PassRegistration: fieldText(v, cf["address"], ""),
		ID1C:             fieldText(v, cf["client_id_1c"], ""),
		AmoID:            strconv.FormatInt(c.ID, 10),
		ID:               fieldText(v, cf["lk_user_id"], ""),
	}
	// The predecessor made everyone without "М" female, even with no value.
	switch sex := strings.ToUpper(fieldText(v, cf["sex"], "")); {
	case strings.HasPrefix(sex, "М"), strings.HasPrefix(sex, "M"):
		s.Sex = "male"
	case strings.HasPrefix(sex, "Ж"), strings.HasPrefix(sex, "F"):
		s.Sex = "female"
	}
	return s
}
