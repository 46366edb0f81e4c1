// Package onec is amoflow's client for the 1C HTTP API (docs/flows.md#the-1c-api):
// upsert and read clients (EditStudent), partners (EditPartner),
// applications (EditApplication) and courses (EditCourse), and change a
// contract's responsible person (lk_editdata).
//
// Every call is {base}{Method} with Basic auth, a JSON body in UTF-8 and an
// explicit timeout. Answers are parsed as JSON as they are (the old C# client
// URL-decoded them first, which corrupted "+" and "%"). POSTing a model
// whose id is empty creates the record and answers its new GUID; POSTing it
// with a GUID updates it.
//
// Errors are *Error values of a Kind (transport, 4xx, 5xx, malformed answer,
// missing or zero GUID); IsRetryable says whether the same call may succeed
// later. Neither errors nor anything else here carry request bodies: they
// hold passports, phones and names.
package onec
