package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"num": num,
	// plural writes a count with its noun: {{plural .MaxSites "site"}} is
	// "1 site" or "3 sites"; noun is the noun alone, for a number shown
	// apart.
	"plural":   func(n any, noun string) string { c := toInt64(n); return num(c) + " " + igny8.PluralNoun(c, noun) },
	"noun":     func(n any, noun string) string { return igny8.PluralNoun(toInt64(n), noun) },
	"money":    igny8.FormatMoney,
	"price":    price,
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"derefTime": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"daysLeft":  daysLeft,
	"fieldErr":  func(f formErrors, name string) string { return f[name] },
	"title":     title,
	"roleLabel": func(r igny8.Role) string { return title(string(r)) },
	"add":       func(a, b int) int { return a + b },
	"int64":     func(i int) int64 { return int64(i) },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"fieldOf":   fieldOf,
	"list":      func(s ...string) []string { return s },
	"hasPrefix": strings.HasPrefix,
	"planForm":  planForm,
	"packForm":  packForm,
	"isOwner":   func(v *visit) bool { return v != nil && v.P != nil && v.P.Role == igny8.RoleOwner },
	"can": func(v *visit, a string) bool {
		return v != nil && v.P != nil && igny8.Allowed(v.P, igny8.Action(a))
	},
}

// toInt64 reads the integer fields templates count.
func toInt64(n any) int64 {
	switch v := n.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	panic(fmt.Sprintf("plural of %T", n))
}

// num writes an integer with thousands separators: 2,000.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// price writes a plan's monthly price: "Free" for zero, else the amount
// as igny8.FormatMoney writes it ($89.00). Payments and other amounts use
// money, which writes zero as $0.00.
func price(minor int64, currency string) string {
	if minor == 0 {
		return "Free"
	}
	return igny8.FormatMoney(minor, currency)
}

// daysLeft is the number of whole or started days until t, never negative.
func daysLeft(t *time.Time, now time.Time) int {
	if t == nil || !now.Before(*t) {
		return 0
	}
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) > 0 {
		days++
	}
	return days
}

// title capitalises words separated by underscores: "bank_transfer" is
// "Bank transfer".
func title(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// formErrors maps a form field to its message.
type formErrors map[string]string

// fieldErrors turns a validation error into per-field messages; the
// second result is the message for the form as a whole.
func fieldErrors(err error) (formErrors, string) {
	fe := formErrors{}
	e, ok := err.(*igny8.Error)
	if !ok {
		return fe, igny8.ErrorMessage(err)
	}
	for _, f := range e.Fields {
		if _, dup := fe[f.Field]; !dup {
			fe[f.Field] = capitalise(f.Message)
		}
	}
	return fe, e.Message
}

// fieldMessage is err's message for field as the rule wrote it ("must be
// at least 10 characters"), "" when err names no such field.
func fieldMessage(err error, field string) string {
	var e *igny8.Error
	if !errors.As(err, &e) {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// field is one labelled form input with its error.
type field struct {
	Name, Label, Type, Value, Err, Autocomplete string
	Required                                    bool
}

// fieldOf builds a required field for the "field" template.
func fieldOf(name, label, typ, value string, errs formErrors, autocomplete string) field {
	return field{Name: name, Label: label, Type: typ, Value: value, Err: errs[name], Autocomplete: autocomplete, Required: true}
}

// mailAddress accepts a bare address such as you@example.com.
func mailAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	if a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", errors.New("not a bare address")
	}
	return a.Address, nil
}

// planFormData is a plan edit form: the plan (zero for a new one), its
// price as typed and the CSRF token.
type planFormData struct {
	Plan  igny8.Plan
	Price string
	CSRF  string
}

// planForm builds the form of plan p, or of a new plan when p is nil.
func planForm(p any, csrf string) planFormData {
	plan, ok := p.(igny8.Plan)
	if !ok {
		return planFormData{CSRF: csrf, Price: "0.00", Plan: igny8.Plan{MaxUsers: 1, APIRequestsPerMinute: 60}}
	}
	return planFormData{Plan: plan, CSRF: csrf, Price: fmt.Sprintf("%d.%02d", plan.Price/100, plan.Price%100)}
}
