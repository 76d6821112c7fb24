package api

import (
	"reflect"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// The values a string of the API may take, for the OpenAPI document: by
// type for the domain's named string types, by field for the plain strings
// whose values are the domain's constants. The response validation of the
// HTTP tests (internal/apptest) fails when an answer holds another value.

// fieldKey names one struct field.
type fieldKey struct {
	t     reflect.Type
	field string
}

func field[T any](name string) fieldKey { return fieldKey{reflect.TypeFor[T](), name} }

var (
	roles = []string{string(igny8.RoleDeveloper), string(igny8.RoleOwner), string(igny8.RoleAdmin),
		string(igny8.RoleEditor), string(igny8.RoleViewer)}
	accountStatuses = []string{igny8.StatusTrial, igny8.StatusActive, igny8.StatusSuspended, igny8.StatusCancelled}
	paymentMethods  = []string{igny8.MethodStripe, igny8.MethodPayPal, igny8.MethodBankTransfer}
	txTypes         = []string{igny8.TxTrialGrant, igny8.TxSubscription, igny8.TxPurchase, igny8.TxDeduction,
		igny8.TxRefund, igny8.TxAdjustment}
	errorCodes = []string{igny8.EValidation, igny8.EUnauthenticated, igny8.EForbidden, igny8.EAccountSuspended,
		igny8.EAccountCancelled, igny8.EPlanInactive, igny8.EMFAEnrolment, igny8.ENotFound, igny8.EConflict, igny8.EPlanLimit,
		igny8.EEmailUnverified, igny8.EInsufficient, igny8.ERateLimited, igny8.EPaymentMethod, igny8.ETooLarge, igny8.EMethodNotAllowed,
		igny8.EUnavailable, igny8.EInternal}
)

func roleNames(rs []igny8.Role) []string {
	var names []string
	for _, r := range rs {
		names = append(names, string(r))
	}
	return names
}

func operations() []string {
	var ops []string
	for _, o := range igny8.Operations() {
		ops = append(ops, string(o))
	}
	return ops
}

// typeEnums holds the values of the domain's named string types.
var typeEnums = map[reflect.Type][]string{
	reflect.TypeFor[igny8.Role]():      roles,
	reflect.TypeFor[igny8.Operation](): operations(),
	reflect.TypeFor[igny8.LoginKind](): {string(igny8.LoginAPI), string(igny8.LoginWeb)},
	reflect.TypeFor[igny8.CredentialKind](): {string(igny8.CredentialJWT), string(igny8.CredentialSession),
		string(igny8.CredentialAPIKey), string(igny8.CredentialSystem)},
}

// fieldEnums holds the values of plain string fields.
var fieldEnums = map[fieldKey][]string{
	field[igny8.Account]("Status"):             accountStatuses,
	field[igny8.Account]("PaymentMethod"):      paymentMethods,
	field[igny8.PaymentAccount]("Status"):      accountStatuses,
	field[igny8.Subscription]("Status"):        {igny8.SubPendingPayment, igny8.SubActive, igny8.SubPastDue, igny8.SubCancelled},
	field[igny8.Subscription]("PaymentMethod"): paymentMethods,
	field[igny8.Payment]("Method"):             paymentMethods,
	field[igny8.Payment]("Status"):             {igny8.PaymentPending, igny8.PaymentConfirmed, igny8.PaymentRejected},
	field[igny8.Checkout]("PaymentMethod"):     paymentMethods,
	field[igny8.CreditTransaction]("Type"):     txTypes,
	field[igny8.UsageLog]("Operation"):         operations(),
	field[igny8.UsageLog]("Outcome"):           {igny8.OutcomePending, igny8.OutcomeSucceeded, igny8.OutcomeFailed},
	field[igny8.CreditCost]("Operation"):       operations(),
	field[igny8.UsageSummary]("GroupBy"):       {"operation", "day", "site"},
	field[igny8.APIKey]("Role"):                roleNames(igny8.APIKeyRoles()),
	field[igny8.NewAPIKey]("Role"):             roleNames(igny8.APIKeyRoles()),
	field[igny8.Invitation]("Role"):            roleNames(igny8.InvitableRoles()),
	field[igny8.NewInvitation]("Role"):         roleNames(igny8.InvitableRoles()),
	field[igny8.UserPatch]("Role"):             roleNames(igny8.InvitableRoles()),
	field[httpx.Problem]("Code"):               errorCodes,
	field[igny8.CreditPurchase]("Method"):      {igny8.MethodStripe, igny8.MethodBankTransfer},
	field[igny8.CreditPurchase]("Status"):      {igny8.PaymentPending, igny8.PaymentConfirmed, igny8.PaymentRejected},
	field[igny8.PackCheckout]("PaymentMethod"): paymentMethods,
	field[igny8.PaymentIncident]("Kind"):       {igny8.IncidentRefund, igny8.IncidentDispute},
	field[igny8.PaymentIncident]("Status"):     {igny8.IncidentOpen, igny8.IncidentResolved},
}

// neverNull holds the pointer and slice fields that are never null
// although their Go type could be: the handlers always fill them.
var neverNull = map[fieldKey]bool{
	field[meResponse]("User"):               true,
	field[authResponse]("User"):             true,
	field[invitationResponse]("Invitation"): true,
}
