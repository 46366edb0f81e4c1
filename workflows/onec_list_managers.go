package workflows

import "go.temporal.io/sdk/workflow"

// ListManagersInput asks for the corporate managers the LK may assign.
type ListManagersInput struct{}

// Manager is one entry of the managers list (docs/flows.md#listmanagers).
type Manager struct {
	Name  string `json:"name"`
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// ListManagers lists the corporate account's users that are in onec.managers
// (getManagers), in the configured order. amoCRM calls: 1 per page of users.
func (f *Flows) ListManagers(ctx workflow.Context, _ ListManagersInput) ([]Manager, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(s.Corporate)
	if err != nil {
		return nil, err
	}
	users, err := f.users(ctx, acct)
	if err != nil {
		return nil, err
	}
	out := []Manager{}
	for _, id := range s.Managers {
		for _, u := range users {
			if u.ID == id {
				out = append(out, Manager{Name: u.Name, ID: u.ID, Email: u.Email})
			}
		}
	}
	return out, nil
}
