package workflows

// Inputs of the amoCRM → 1C flows. HandleWebhook starts them as child
// workflows (webhook methods savelead and physics_corp → Sync1COrder,
// change_resp → ChangeResponsible1C); the 1C routes start them directly.

// Sync1COrderInput transfers one lead to 1C (docs/flows.md#sync1corder).
type Sync1COrderInput struct {
	Account string // config account key: retail (savelead) or corp (physics_corp)
	LeadID  int64
}

// ChangeResponsibleInput changes the responsible person of a 1C contract
// (docs/flows.md#changeresponsible1c, docs/flows.md#changeresponsible1c).
type ChangeResponsibleInput struct {
	Account     string // the account of LeadID, where the notes go
	LeadID      int64
	ContractUID string // the 1C contract uid
	Resp        string // the new responsible, as 1C names them
	// CallbackURL, when set, is called (GET) once the change succeeded
	// (Sensei's webhook); never on failure.
	CallbackURL string
}
