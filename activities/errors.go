package activities

// Temporal application error types: the Type of every ApplicationError an
// activity or a workflow of amoflow returns, in one place. Operators see
// them in the Temporal UI; README "Error types" says what each means and
// what to do. A type is part of a failed workflow's history and of alerts:
// never rename one.
const (
	// Paused (retryable with a delay, for the activity's 8-day budget): set by
	// amocrm.Paused, listed here for operators.
	ErrAmoAccountPaused  = "AmoAccountPaused"  // the account needs re-authorization or is misconfigured
	ErrAmoAccountBlocked = "AmoAccountBlocked" // amoCRM answers 403 pages; the breaker waits amocrm.block_cooldown
	ErrLeaseHeld         = "LeaseHeld"         // another run holds the person's or entity's lease; retried

	// amoCRM, permanent.
	ErrAmoPermanent   = "AmoPermanent"   // amoCRM refused the request (validation, 4xx)
	ErrAmoNotFound    = "AmoNotFound"    // the entity does not exist (deleted)
	ErrUnknownAccount = "UnknownAccount" // an account key that is not configured
	ErrBadEntity      = "BadEntity"      // a programming error: an entity type the activity does not support

	// 1C, permanent (a transport or 5xx error is retried for onec.retry_for).
	ErrOneCRejected      = "OneCRejected"      // 1C answered 4xx
	ErrOneCMalformed     = "OneCMalformed"     // 1C answered 2xx with a body that is not the expected JSON
	ErrOneCMissingID     = "OneCMissingID"     // 1C answered 2xx without the object's GUID
	ErrOneCNotFound      = "OneCNotFound"      // 1C does not know the object
	ErrOneCPermanent     = "OneCPermanent"     // any other 1C error that retrying cannot fix
	ErrOneCNotConfigured = "OneCNotConfigured" // onec.base_url is empty on this worker
	ErrBadCallback       = "BadCallback"       // the Sensei callback URL is invalid
	ErrCallbackRejected  = "CallbackRejected"  // the Sensei callback answered non-2xx

	// Other services and Postgres.
	ErrEventsAPI  = "EventsAPI"  // the site's events API answered something unusable
	ErrLKService  = "LKService"  // the LK service refused the call (not a refusal of the student: that is a note)
	ErrWebinarAPI = "WebinarAPI" // webinar.ru refused the token or does not know the session
	ErrNoStore    = "NoStore"    // the worker has no Postgres (or Temporal client) for this activity
	ErrEmptyPool  = "EmptyPool"  // the round-robin manager pool is empty

	// The company register (a transport error, 5xx or 429 is retried for an hour).
	ErrEGRULNotConfigured = "EGRULNotConfigured" // egrul.base_url is empty on this worker
	ErrEGRULRejected      = "EGRULRejected"      // the register answered 4xx or something that is not a record

	// ucheba.ru's API refused the token or the institution, or is not configured
	// (a transport error, 5xx or 429 is retried for six hours).
	ErrUchebaAPI = "UchebaAPI"

	// Input defects and configuration, raised by workflows.
	ErrBadForm            = "BadForm"            // a form with neither a usable phone nor an email
	ErrBadClient          = "BadClient"          // a 1C client without client_id_1C or name
	ErrBadPartner         = "BadPartner"         // a 1C partner without company_id_1C or name
	ErrBadApplication     = "BadApplication"     // a 1C order without lead_id_1C
	ErrBadCourse          = "BadCourse"          // a 1C course without product_id_1C or name, or a bad uid
	ErrBadGroup           = "BadGroup"           // a study group without group or lead_id
	ErrBadCorpLead        = "BadCorpLead"        // a corporate lead without inn, or without phone and e-mail
	ErrUnknownMethod      = "UnknownMethod"      // a webhook method no flow handles
	ErrConfigMissing      = "ConfigMissing"      // config keys the flow needs are missing (all named)
	ErrConfig             = "Config"             // a 1C id field is not configured for the entity
	ErrLeadNotFound       = "LeadNotFound"       // the lead to transfer to 1C does not exist
	ErrLeadWithoutContact = "LeadWithoutContact" // the lead to transfer has no contact
	ErrContactNotFound    = "ContactNotFound"    // the lead's contact does not exist
	ErrCompanyNotFound    = "CompanyNotFound"    // the lead's company does not exist
	ErrProductWithout1CID = "ProductWithout1CID" // a product of the lead has no 1C id
	ErrClientNotFound     = "ClientNotFound"     // a 1C order's client has no contact in amoCRM
	ErrDeleteIncomplete   = "DeleteIncomplete"   // course elements still present after the bounded delete rounds
	ErrEventsFailed       = "EventsFailed"       // some events of a webhook delivery failed (each child says why)
	ErrPayerNotFound      = "PayerNotFound"      // a payment form's phone and email match no contact (or no lead) in amoCRM
	ErrNoUnpaidLead       = "NoUnpaidLead"       // conferencepaid: the payer has no conference lead waiting for payment
	ErrBadDashboard       = "BadDashboard"       // a dashboard's range holds too many leads, or its dates do not parse
	ErrOneCCreateUnsure   = "OneCCreateUnsure"   // a 1C create lost its answer and nobody settled it within onec.unsure_wait
	ErrBadCreate          = "BadCreate"          // a programming error: a 1C create naming no object
)
