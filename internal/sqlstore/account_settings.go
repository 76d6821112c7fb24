package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

func validateAccountPatch(patch *igny8.AccountPatch) error {
	var fields []igny8.FieldError
	if patch.Name != nil {
		n := igny8.TrimName(*patch.Name)
		patch.Name = &n
		if msg := igny8.NameFault(n, igny8.MaxNameLen); msg != "" {
			fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
		}
	}
	if patch.BillingEmail != nil {
		m := NormalizeEmail(*patch.BillingEmail)
		patch.BillingEmail = &m
		if !validEmail(m) {
			fields = append(fields, igny8.FieldError{Field: "billing_email", Message: "must be a valid email address"})
		}
	}
	if len(fields) > 0 {
		return igny8.Invalid("The account settings have errors.", fields...)
	}
	return nil
}

// UpdateAccount changes the principal's account name and billing email,
// the optional notices when the principal is the owner (who receives
// them), and whether everyone must use a second factor, and audits the
// change. Only the owner requires a second factor, and only from a login
// that used one (so that the setting cannot shut them out of their own
// account). Errors: unauthenticated, forbidden (the notices or the
// requirement, by another role), validation_failed, conflict.
func (s *Accounts) UpdateAccount(ctx context.Context, patch igny8.AccountPatch) (*igny8.Account, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateAccountPatch(&patch); err != nil {
		return nil, err
	}
	if patch.RequireSecondFactor != nil {
		if p.Role != igny8.RoleOwner {
			return nil, igny8.Errorf(igny8.EForbidden, "Only the owner can require two-step login.")
		}
		if *patch.RequireSecondFactor && !p.SecondFactor {
			return nil, igny8.Errorf(igny8.EConflict,
				"Turn on two-step login for yourself, and log in with it, before you require it of everyone.")
		}
	}
	if patch.NotifyLowCredits != nil || patch.NotifyTrialReminders != nil {
		if err := igny8.Authorize(p, igny8.ActEditNotices); err != nil {
			return nil, igny8.Errorf(igny8.EForbidden, "Only the owner, who receives them, can choose the e-mail notices.")
		}
	}
	var acct *igny8.Account
	err = s.db.InTx(ctx, func(tx *Tx) error {
		details := map[string]any{}
		if patch.Name != nil {
			details["name"] = *patch.Name
			if _, err := tx.exec(ctx, `UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?`, *patch.Name, tx.now, p.AccountID); err != nil {
				return err
			}
		}
		if patch.BillingEmail != nil {
			details["billing_email"] = *patch.BillingEmail
			if _, err := tx.exec(ctx, `UPDATE accounts SET billing_email = ?, updated_at = ? WHERE id = ?`, *patch.BillingEmail, tx.now, p.AccountID); err != nil {
				return err
			}
		}
		for col, v := range map[string]*bool{"notify_low_credits": patch.NotifyLowCredits,
			"notify_trial_reminders": patch.NotifyTrialReminders, "require_second_factor": patch.RequireSecondFactor} {
			if v == nil {
				continue
			}
			details[col] = *v
			if _, err := tx.exec(ctx, `UPDATE accounts SET `+col+` = ?, updated_at = ? WHERE id = ?`, *v, tx.now, tn.id); err != nil {
				return err
			}
		}
		if len(details) > 0 {
			if err := audit(ctx, tx, tn, "account.updated", "account", p.AccountID, details); err != nil {
				return err
			}
		}
		var err error
		acct, err = accountByID(ctx, tx.conn, p.AccountID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return acct.ForMembers(), nil
}
