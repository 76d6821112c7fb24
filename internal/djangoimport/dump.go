// Package djangoimport brings the live Django system's data into igny8:
// it reads the output of `manage.py dumpdata --all --indent 2`, finds what
// would clash with igny8's data, and writes everything in one transaction
// of the store (internal/sqlstore). `igny8 import django` runs it.
package djangoimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// record is one object of a dump: {"model": "app.name", "pk": 1, "fields": {…}}.
type record struct {
	Model  string                     `json:"model"`
	PK     json.RawMessage            `json:"pk"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// row is a record of a known model with its pk read and its fields to
// take one by one; what was not taken is counted as extra.
type row struct {
	pk     int64
	fields map[string]json.RawMessage
	taken  map[string]bool
	errs   []string
	// cleaned are the changes made to its text (text.go).
	cleaned []Cleaned
}

// known lists the models read, by the name after the dot, with the fields
// each may have; other fields are counted in the report and ignored.
var known = map[string][]string{
	"plan":              {"name", "slug", "price", "included_credits", "max_sites", "max_users", "max_sectors", "is_active", "features"},
	"account":           {"name", "slug", "owner", "plan", "credits", "status", "payment_method", "billing_email", "trial_ends_at", "created_at", "updated_at", "deleted_at"},
	"user":              {"password", "email", "username", "first_name", "last_name", "role", "account", "is_active", "last_login", "date_joined", "deleted_at"},
	"industry":          {"name", "slug", "is_active"},
	"industrysector":    {"industry", "name", "slug", "is_active"},
	"site":              {"name", "slug", "account", "domain", "industry", "is_active", "created_at", "deleted_at"},
	"sector":            {"site", "account", "industry_sector", "name", "slug", "is_active", "created_at", "deleted_at"},
	"siteuseraccess":    {"user", "site", "granted_by", "granted_at"},
	"credittransaction": {"account", "transaction_type", "amount", "balance_after", "description", "metadata", "created_at"},
	"creditusagelog":    {"account", "site", "operation_type", "credits_used", "model_used", "tokens_input", "tokens_output", "created_at"},
}

// modelOrder is the order of the report's summary.
var modelOrder = []string{"plan", "industry", "industrysector", "account", "user", "site", "sector",
	"siteuseraccess", "credittransaction", "creditusagelog"}

// dump is a parsed dump: rows of each known model in pk order, the counts
// of models not read, and the extra fields of each model.
type dump struct {
	rows    map[string][]*row
	byPK    map[string]map[int64]*row
	ignored map[string]int
	extra   map[string]map[string]bool
}

// parseDump reads a dumpdata JSON array. A dump that is no such array, or
// a known model's row whose pk is not an integer, is an error.
func parseDump(r io.Reader) (*dump, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var recs []record
	if err := dec.Decode(&recs); err != nil {
		return nil, fmt.Errorf("the dump is not the JSON array of dumpdata: %w", err)
	}
	d := &dump{rows: map[string][]*row{}, byPK: map[string]map[int64]*row{}, ignored: map[string]int{}, extra: map[string]map[string]bool{}}
	for i, rec := range recs {
		name := rec.Model[strings.LastIndex(rec.Model, ".")+1:]
		if _, ok := known[name]; !ok {
			d.ignored[rec.Model]++
			continue
		}
		pk, err := strconv.ParseInt(string(bytes.TrimSpace(rec.PK)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("object %d (%s): the pk %s is not an integer", i, rec.Model, rec.PK)
		}
		if d.byPK[name][pk] != nil {
			return nil, fmt.Errorf("object %d (%s): the pk %d appears twice", i, rec.Model, pk)
		}
		r := &row{pk: pk, fields: rec.Fields, taken: map[string]bool{}}
		d.rows[name] = append(d.rows[name], r)
		if d.byPK[name] == nil {
			d.byPK[name] = map[int64]*row{}
		}
		d.byPK[name][pk] = r
		allowed := map[string]bool{}
		for _, f := range known[name] {
			allowed[f] = true
		}
		for f := range rec.Fields {
			if !allowed[f] {
				if d.extra[name] == nil {
					d.extra[name] = map[string]bool{}
				}
				d.extra[name][f] = true
			}
		}
	}
	for _, rows := range d.rows {
		sort.Slice(rows, func(i, j int) bool { return rows[i].pk < rows[j].pk })
	}
	return d, nil
}

// raw returns a field's JSON and whether it is present and not null.
func (r *row) raw(name string) (json.RawMessage, bool) {
	v, ok := r.fields[name]
	r.taken[name] = true
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// fail notes why the row cannot be imported, once.
func (r *row) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, e := range r.errs {
		if e == msg {
			return
		}
	}
	r.errs = append(r.errs, msg)
}

// integer reads an integer field; missing is def.
func (r *row) integer(name string, def int64) int64 {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.Trim(string(v), `"`), 10, 64)
	if err != nil {
		r.fail("%s is not an integer", name)
	}
	return n
}

// ref reads a foreign key; 0 when null or missing.
func (r *row) ref(name string) int64 { return r.integer(name, 0) }

// boolean reads a boolean field; missing is def.
func (r *row) boolean(name string, def bool) bool {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		r.fail("%s is not true or false", name)
	}
	return b
}

// when reads a datetime (ISO 8601; without a zone it is UTC); nil when
// null or missing.
func (r *row) when(name string) *time.Time {
	s := r.str(name)
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC().Truncate(time.Microsecond)
			return &t
		}
	}
	r.fail("%s is not an ISO 8601 date and time: %q", name, s)
	return nil
}

// money reads a decimal string such as "89.00" as minor units (cents).
func (r *row) money(name string) int64 {
	v, ok := r.raw(name)
	if !ok {
		return 0
	}
	s := strings.Trim(string(v), `"`)
	f, ok := new(big.Rat).SetString(s)
	if !ok || f.Sign() < 0 {
		r.fail("%s is not a decimal amount: %s", name, s)
		return 0
	}
	cents := new(big.Rat).Mul(f, big.NewRat(100, 1))
	if !cents.IsInt() || !cents.Num().IsInt64() {
		r.fail("%s has more than two decimals or is too large: %s", name, s)
		return 0
	}
	return cents.Num().Int64()
}
