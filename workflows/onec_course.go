package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// CourseFrom1CInput is a course 1C sends (update_course, docs/flows.md#coursefrom1c).
type CourseFrom1CInput struct {
	Course onec.Course `json:"course"`
}

// CourseFrom1C upserts a 1C course as a catalog element in every course
// account (corporate first): found by the account's entry of amo_ids, else
// by the GUID link or an exact product_id_1C match of the catalog search,
// else created; the price and name follow the PHP rules (CoursePrice,
// CourseName). An element already equal to the course is left alone.
//
// amoCRM calls per account: new course 2 (search, create); existing 2
// (read, update), 1 when unchanged.
func (f *Flows) CourseFrom1C(ctx workflow.Context, in CourseFrom1CInput) (*AmoIDsResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	c := in.Course
	if !c.ProductID.Valid() || c.Name == "" {
		return nil, temporal.NewNonRetryableApplicationError("a course needs product_id_1C and name", activities.ErrBadCourse, nil)
	}
	price := CoursePrice(c.ShortName, c.ItemPrices, s.PriceTypes)
	name := CourseName(c.Name, c.ShortName)
	res := &AmoIDsResult{AmoIDs: []onec.AmoID{}}
	for _, an := range s.CourseAccounts {
		acct, err := s.account(an)
		if err != nil {
			return nil, err
		}
		el, err := f.findCourse(ctx, acct, c.ProductID, onec.AmoIDIn(c.AmoIDs, acct.AccountID))
		if err != nil {
			return nil, err
		}
		fields := courseFields(c, acct, price)
		id := el.ID
		switch {
		case el.ID == 0:
			w := activities.AmoWrite{Entity: "catalog_elements", CatalogID: acct.CatalogID, Name: name, Fields: fields,
				Probe: activities.AmoProbe{Query: string(c.ProductID), FieldID: acct.CatalogFields[keyProductID1C], Value: string(c.ProductID)}}
			if id, err = f.write(ctx, acct, w); err != nil {
				return nil, err
			}
		case el.Name != name || !sameFields(el, fields):
			w := activities.AmoWrite{Entity: "catalog_elements", CatalogID: acct.CatalogID, ID: el.ID, Name: name, Fields: fields}
			if _, err = f.write(ctx, acct, w); err != nil {
				return nil, err
			}
		}
		if err := f.written(ctx, acct, "catalog_elements", c.ProductID, id); err != nil {
			return nil, err
		}
		res.AmoIDs = append(res.AmoIDs, onec.AmoID{AccountID: acct.AccountID, EntityID: id})
	}
	return res, nil
}

// findCourse finds the account's element of a course: the amo_ids entry
// (when it is that course, or a course without a 1C id), the GUID link, or
// the oldest exact match of the catalog search. A zero record when none.
func (f *Flows) findCourse(ctx workflow.Context, acct onecAccount, uid onec.GUID, listed int64) (activities.AmoRecord, error) {
	fieldID := acct.CatalogFields[keyProductID1C]
	if listed != 0 {
		el, err := f.read(ctx, acct, "catalog_elements", acct.CatalogID, listed)
		if err != nil {
			return el, err
		}
		if have := onec.GUID(el.Fields[fieldID]); el.ID != 0 && (have == "" || have.Equal(uid)) {
			return el, nil
		}
	}
	el, err := f.recall(ctx, acct, "catalog_elements", acct.CatalogID, uid)
	if err != nil || el.ID != 0 {
		return el, err
	}
	hits, err := f.search(ctx, acct, "catalog_elements", acct.CatalogID, string(uid))
	if err != nil {
		return activities.AmoRecord{}, err
	}
	if exact := exactGUID(hits, fieldID, uid); len(exact) > 0 {
		return exact[0], nil
	}
	return activities.AmoRecord{}, nil
}

// DeleteCourseInput deletes a course's elements (delete_course), or only
// its duplicates (delete_doubles, KeepOne).
type DeleteCourseInput struct {
	UID     onec.GUID `json:"uid"`
	KeepOne bool      `json:"keep_one,omitempty"`
}

// DeleteCourseResult reports what DeleteCourse1C found and deleted, by account.
type DeleteCourseResult struct {
	Found   bool             `json:"found"`
	Deleted map[string]int   `json:"deleted"`
	Kept    map[string]int64 `json:"kept,omitempty"`
}

// maxDeleteRounds bounds the search-and-delete rounds per account: the old
// loop never ended when the search kept returning non-matching hits.
const maxDeleteRounds = 5

// DeleteCourse1C deletes the catalog elements whose product_id_1C is the
// course's, in every course account (the old endpoint stopped after the
// first). With KeepOne it keeps the oldest and deletes the other copies.
// Only exact matches of the fuzzy search count, and each account is
// searched again after deleting until no match is left to delete, at most
// maxDeleteRounds times: it always ends.
//
// amoCRM calls per account: 1 search + (1 delete + 1 search) per round.
func (f *Flows) DeleteCourse1C(ctx workflow.Context, in DeleteCourseInput) (*DeleteCourseResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	if !in.UID.Valid() {
		return nil, temporal.NewNonRetryableApplicationError("uid is not a 1C GUID", activities.ErrBadCourse, nil)
	}
	res := &DeleteCourseResult{Deleted: map[string]int{}}
	for _, an := range s.CourseAccounts {
		acct, err := s.account(an)
		if err != nil {
			return nil, err
		}
		fieldID := acct.CatalogFields[keyProductID1C]
		res.Deleted[acct.Name] = 0
		for round := 1; ; round++ {
			hits, err := f.search(ctx, acct, "catalog_elements", acct.CatalogID, string(in.UID))
			if err != nil {
				return nil, err
			}
			exact := exactGUID(hits, fieldID, in.UID)
			if len(exact) > 0 {
				res.Found = true
			}
			if in.KeepOne && len(exact) > 0 {
				if res.Kept == nil {
					res.Kept = map[string]int64{}
				}
				res.Kept[acct.Name] = exact[0].ID
				exact = exact[1:]
			}
			if len(exact) == 0 {
				break
			}
			if round > maxDeleteRounds {
				return nil, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("%d elements of the course are still in %s after %d rounds", len(exact), acct.Name, maxDeleteRounds), activities.ErrDeleteIncomplete, nil)
			}
			ids := make([]int64, 0, len(exact))
			for _, e := range exact {
				ids = append(ids, e.ID)
			}
			slices.Sort(ids)
			del := activities.DeleteElementsInput{Account: acct.Name, IDs: ids}
			if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.DeleteElements1C, del).Get(ctx, nil); err != nil {
				return nil, err
			}
			res.Deleted[acct.Name] += len(ids)
		}
		if kept := res.Kept[acct.Name]; kept != 0 {
			if err := f.written(ctx, acct, "catalog_elements", in.UID, kept); err != nil {
				return nil, err
			}
		} else {
			link := activities.OneCLink{Account: acct.Name, Entity: "catalog_elements", GUID: in.UID}
			var id int64
			if err := workflow.ExecuteActivity(storeOptions(ctx), oneC.RecallOneC, link).Get(ctx, &id); err != nil {
				return nil, err
			}
			if id != 0 {
				link.ID = id
				if err := workflow.ExecuteActivity(storeOptions(ctx), oneC.ForgetOneC, link).Get(ctx, nil); err != nil {
					return nil, err
				}
			}
		}
	}
	return res, nil
}
