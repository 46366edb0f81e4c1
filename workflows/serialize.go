package workflows

import (
	"strconv"
	"strings"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/store"
)

// Serializing work per person and per amoCRM entity.
//
// Two forms of one person arriving together would each search amoCRM, find
// nobody and create a contact and a lead; two webhook events of one lead
// would each create the linked lead. So a flow first takes a lease on every
// key that names what it works on, across all workers and processes
// (Postgres table leases, see store.AcquireLeases):
//
//	{account}:phone:{digest}   the person, by normalized phone
//	{account}:email:{digest}   the person, by lower-cased email
//	{account}:lead:{id}        one amoCRM lead (webhook flows)
//
// A person has two identifiers and two forms may share only one of them, so
// a lease is a set of keys, taken in sorted order so that no two runs wait
// for each other. A key that is held makes the acquiring activity fail with
// LeaseHeld, retried every few seconds: the workflow waits durably (visible
// in the UI as the pending AcquireLeases activity naming the holder). A
// lease never expires by time, since its holder may be paused for days (an
// account waiting for re-authorization); a waiter takes it over only when
// Temporal reports the holder's run closed (terminated, timed out, reset).
//
// Holding the lease is not enough for the second flow to see the first's
// contact and lead: amoCRM's search index lags behind its writes. So the
// flows also record what they created in Postgres (table amo_index, by the
// same digests) and look there first, verifying the entity by id.
//
// Waiters are not queued: whichever retries first after a release gets the
// lease, so a person's forms may run in another order than they arrived
// (each still adds its own note).
//
// Digests, not phones or emails, go into keys, activity inputs and errors:
// no personal data in clear in Postgres or in the workflow history. They are
// pseudonyms, not secrets: a phone's digest can be found by trying numbers.

// leaseChange is the GetVersion change id of the leases: runs recorded
// before it replay without them.
const leaseChange = "lease-per-person-and-entity"

// pgLocalChange is the GetVersion change id of running the Postgres-only
// steps (amo_index look-up and record, the lease release, ret2corp's round
// robin, which answers a key asked again alike) as local activities: runs
// recorded before it replay with them as activities.
const pgLocalChange = "postgres-steps-local"

// pgStep runs a Postgres-only step. Since pgLocalChange it is a local
// activity: it runs in the workflow task that asks for it, with no round
// trip through a task queue, and its history is one marker event instead
// of three activity events and the workflow task that follows (a site form
// has three such steps).
func pgStep(ctx workflow.Context, activity any, args ...any) workflow.Future {
	if workflow.GetVersion(ctx, pgLocalChange, workflow.DefaultVersion, 1) == 1 {
		return workflow.ExecuteLocalActivity(pgLocalOptions(ctx), activity, args...)
	}
	return workflow.ExecuteActivity(localOptions(ctx), activity, args...)
}

// personKeys are the index keys of a person: phone first, then email.
func personKeys(ph, email string) []string {
	var keys []string
	if ph != "" {
		keys = append(keys, "phone:"+Digest("phone", ph))
	}
	if email != "" {
		keys = append(keys, "email:"+Digest("email", email))
	}
	return keys
}

// leadKey is the index key of one lead.
func leadKey(id int64) string { return "lead:" + strconv.FormatInt(id, 10) }

// markerKey is the index key of the lead carrying a marker field's value.
func markerKey(m activities.Marker) string {
	return "marker:" + strconv.FormatInt(m.FieldID, 10) + ":" + Digest(m.Value)
}

// leaseKeys qualifies index keys with the account (config key).
func leaseKeys(account string, keys ...string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, account+":"+k)
	}
	return out
}

// withLeases runs body holding the leases on keys, then releases them,
// whether body succeeded or failed (a cancelled run releases them too, on a
// disconnected context). The release is a plain call after body, not a
// defer: a deferred activity would also run, and block forever, when the
// worker evicts the run from its cache. A run that never gets there
// (terminated, or its worker gone for good) leaves its keys to be taken
// over by the next run that wants them.
func withLeases(ctx workflow.Context, keys []string, body func() error) error {
	err := workflow.ExecuteActivity(leaseOptions(ctx), leases.AcquireLeases, activities.LeaseInput{Keys: keys}).Get(ctx, nil)
	if err == nil {
		err = body()
	}
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if rerr := pgStep(dctx, leases.ReleaseLeases).Get(dctx, nil); rerr != nil {
		workflow.GetLogger(ctx).Warn("leases not released; the next run will take them over", "error", rerr)
	}
	return err
}

// lookupKnown reads the index entries of keys in the account.
func lookupKnown(ctx workflow.Context, account string, keys []string) ([]store.Known, error) {
	var known []store.Known
	err := pgStep(ctx, leases.LookupKnown, activities.KnownInput{Account: account, Keys: keys}).Get(ctx, &known)
	return known, err
}

// rememberKnown records index entries in the account.
func rememberKnown(ctx workflow.Context, account string, entries []store.Known) error {
	if len(entries) == 0 {
		return nil
	}
	return pgStep(ctx, leases.RememberKnown, activities.RememberInput{Account: account, Entries: entries}).Get(ctx, nil)
}

// entityKey is the index (and lease) key of a webhook event's entity.
func entityKey(ev HookEvent) string {
	switch ev.Entity {
	case "contacts":
		return "contact:" + strconv.FormatInt(ev.ID, 10)
	case "companies":
		return "company:" + strconv.FormatInt(ev.ID, 10)
	}
	return leadKey(ev.ID)
}

// serialized runs a webhook flow holding the lease on the event's entity,
// so two events of one lead (two stage changes, ret2corp and corp2ret, …)
// run one after the other, and the second sees what the first did.
func serialized(ctx workflow.Context, ev HookEvent, flow func(workflow.Context, HookEvent) (*HookResult, error)) (*HookResult, error) {
	if workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return flow(ctx, ev)
	}
	var res *HookResult
	err := withLeases(ctx, leaseKeys(ev.Account, entityKey(ev)), func() (err error) {
		res, err = flow(ctx, ev)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// findMarkedLead finds the lead carrying marker in the account: first the
// one a flow recorded in amo_index (read by id, kept only when it still
// carries the marker, and is in pipeline when one is given), else through
// amoCRM's search. One amoCRM request either way.
func findMarkedLead(ctx, actx workflow.Context, account string, marker activities.Marker, pipeline int64) (activities.LeadCard, error) {
	var found activities.LeadCard
	if workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
		known, err := lookupKnown(ctx, account, []string{markerKey(marker)})
		if err != nil {
			return found, err
		}
		if len(known) > 0 && known[0].LeadID != 0 {
			in := activities.ReadInput{Account: account, ID: known[0].LeadID, With: []string{"contacts"}}
			if err := workflow.ExecuteActivity(actx, amo.ReadLead, in).Get(ctx, &found); err != nil {
				return found, err
			}
			if found.ID != 0 && hasMarker(found, marker) && (pipeline == 0 || found.PipelineID == pipeline) {
				return found, nil
			}
			found = activities.LeadCard{} // deleted or changed since
		}
	}
	in := activities.FindLeadInput{Account: account, Marker: marker, PipelineID: pipeline}
	err := workflow.ExecuteActivity(actx, amo.FindLeadByField, in).Get(ctx, &found)
	return found, err
}

// rememberMarked records the lead a flow created with marker.
func rememberMarked(ctx workflow.Context, account string, marker activities.Marker, created activities.CreatedLead) error {
	if workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return rememberKnown(ctx, account, []store.Known{{Key: markerKey(marker), LeadID: created.LeadID, ContactID: created.ContactID}})
}

// hasMarker reports whether the lead carries the marker's value.
func hasMarker(l activities.LeadCard, m activities.Marker) bool {
	if strings.TrimSpace(l.Fields[m.FieldID]) == m.Value {
		return true
	}
	for _, f := range l.Values {
		if f.ID != m.FieldID {
			continue
		}
		for _, v := range f.Values {
			if strings.TrimSpace(v.Text()) == m.Value {
				return true
			}
		}
	}
	return false
}

// findPersonHeld finds a person's contact in the account for a flow that holds
// an entity's lease (ret2corp: the person of the retail lead, in the
// corporate account). It first takes the person's lease there too, so that
// the person's forms in that account and this flow do not both create the
// contact, then consults amo_index before amoCRM's search. Entity keys are
// always taken before person keys (forms take none), so no two runs can
// each hold what the other waits for. The lease is released with the rest.
func (f *Flows) findPersonHeld(ctx, actx workflow.Context, account, ph, email string) ([]activities.Contact, error) {
	keys := personKeys(ph, email)
	if len(keys) == 0 || workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return f.findContacts(actx, account, ph, email)
	}
	if err := workflow.ExecuteActivity(leaseOptions(ctx), leases.AcquireLeases, activities.LeaseInput{Keys: leaseKeys(account, keys...)}).Get(ctx, nil); err != nil {
		return nil, err
	}
	known, err := lookupKnown(ctx, account, keys)
	if err != nil {
		return nil, err
	}
	contacts, _, err := f.knownContact(actx, account, ph, email, known)
	if err != nil || len(contacts) > 0 {
		return contacts, err
	}
	return f.findContacts(actx, account, ph, email)
}

// rememberPerson records the contact a flow found (contacts[0]) or created
// for the person, with the lead it created.
func (f *Flows) rememberPerson(ctx workflow.Context, account string, person activities.ContactCard, contacts []activities.Contact, created activities.CreatedLead) error {
	if workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	ph, email := contactKeys(person)
	var found *activities.Contact
	contactID := created.ContactID
	if len(contacts) > 0 {
		found, contactID = &contacts[0], contacts[0].ID
	}
	if contactID == 0 {
		return nil
	}
	return rememberKnown(ctx, account, knownPerson(ph, email, found, contactID, created.LeadID))
}
